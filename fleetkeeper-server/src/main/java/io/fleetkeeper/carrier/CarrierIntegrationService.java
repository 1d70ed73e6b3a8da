package io.fleetkeeper.carrier;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.carrier.internal.CarrierErrors;
import io.fleetkeeper.carrier.internal.CarrierException;
import io.fleetkeeper.carrier.internal.CarrierProvider;
import io.fleetkeeper.carrier.internal.CarrierProviders;
import io.fleetkeeper.carrier.internal.CarrierSync;
import io.fleetkeeper.carrier.internal.IntegrationRepository;
import io.fleetkeeper.carrier.internal.IntegrationRepository.Stored;
import io.fleetkeeper.carrier.internal.SimRepository;
import io.fleetkeeper.event.OutboundUrls;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TenantService;
import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Carrier integrations, for a tenant's own credentials and for platform operators across tenants. The API key is
 * sealed at rest (bound to the integration), never returned and never logged; the base URL passes the SSRF guard.
 * Every operator access, reads included, is written to the audit log: in the integration's tenant's log, or the
 * platform's for a listing across tenants.
 */
@Service
public class CarrierIntegrationService {

    private static final Pattern ORG_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final IntegrationRepository integrations;
    private final SimRepository sims;
    private final CarrierProviders providers;
    private final CarrierSync sync;
    private final OutboundUrls urls;
    private final Sealer vault;
    private final TenantService tenants;
    private final AuditService audit;
    private final Clock clock;

    CarrierIntegrationService(IntegrationRepository integrations, SimRepository sims, CarrierProviders providers,
            CarrierSync sync, OutboundUrls urls, Sealer vault, TenantService tenants, AuditService audit,
            Clock clock) {
        this.integrations = integrations;
        this.sims = sims;
        this.providers = providers;
        this.sync = sync;
        this.urls = urls;
        this.vault = vault;
        this.tenants = tenants;
        this.audit = audit;
        this.clock = clock;
    }

    /** Creates an integration in the caller's tenant, or (platform operator) in {@code in.tenantId}. */
    @Transactional
    public CarrierIntegration create(Caller caller, CarrierIntegration.Fields in) {
        UUID tenantId = caller.isPlatform() ? operatorTenant(in.tenantId()) : caller.tenantId();
        if (!caller.isPlatform() && in.tenantId() != null) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "integration is not valid",
                    List.of(new ApiException.FieldError("tenant_id", "is set by the credential, not the body")));
        }
        String baseUrl = in.baseUrl() == null && in.carrier() != null ? CarrierProviders.defaultBaseUrl(in.carrier())
                : in.baseUrl();
        validate(in.name(), in.carrier(), baseUrl, in.apiKey(), in.orgId(), true);
        Instant now = Times.now(clock);
        CarrierIntegration c = new CarrierIntegration(Ids.newId(clock), tenantId, in.name(), in.carrier(), baseUrl,
                in.orgId(), CarrierIntegration.UNTESTED, null, 0, null, now, now, 1);
        if (integrations.nameTaken(tenantId, c.name(), null)) {
            throw nameTaken(c.name());
        }
        try {
            integrations.insert(c, seal(c.id(), in.apiKey()));
        } catch (DuplicateKeyException e) {
            throw nameTaken(c.name());
        }
        audit.recordDetails(tenantId, caller, action(caller, "create"), "carrier_integration", c.id().toString(),
                Map.of("name", c.name(), "carrier", c.carrier(), "base_url", c.baseUrl()));
        return c;
    }

    /** An integration of the caller's tenant, or of any tenant for a platform operator (audited). */
    @Transactional
    public CarrierIntegration get(Caller caller, UUID id) {
        CarrierIntegration c = stored(caller, id).integration();
        if (caller.isPlatform()) {
            audit.recordDetails(c.tenantId(), caller, "operator.carrier_integration.read", "carrier_integration",
                    id.toString(), Map.of("name", c.name()));
        }
        return c;
    }

    public Page<CarrierIntegration> list(UUID tenantId, @Nullable String cursor, int limit) {
        return Page.afterId("carrier-integration", cursor, limit,
                (after, n) -> integrations.list(tenantId, null, after, n), CarrierIntegration::id);
    }

    /** Every tenant's integrations, optionally of one tenant or one carrier, for platform operators (audited). */
    @Transactional
    public Page<CarrierIntegration> listForOperator(Caller caller, @Nullable UUID tenantId, @Nullable String carrier,
            @Nullable String cursor, int limit) {
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("tenant_id", tenantId == null ? null : tenantId.toString());
        filters.put("carrier", carrier);
        audit.recordDetails(tenantId, caller, "operator.carrier_integration.list", "carrier_integration", null,
                filters);
        return Page.afterId("carrier-integration", cursor, limit,
                (after, n) -> integrations.list(tenantId, carrier, after, n), CarrierIntegration::id);
    }

    /** Changes name, base URL, organisation or key; a changed key or URL is tested again at the next sync. */
    @Transactional
    public CarrierIntegration update(Caller caller, UUID id, CarrierIntegration.Patch patch,
            @Nullable Long expectedVersion) {
        Stored cur = stored(caller, id);
        CarrierIntegration c = cur.integration();
        checkVersion(c, expectedVersion);
        String name = patch.name() == null ? c.name() : patch.name();
        String baseUrl = patch.baseUrl() == null ? c.baseUrl() : patch.baseUrl();
        String orgId = patch.orgId() == null ? c.orgId() : patch.orgId();
        validate(name, c.carrier(), baseUrl, patch.apiKey(), orgId, false);
        if (integrations.nameTaken(c.tenantId(), name, id)) {
            throw nameTaken(name);
        }
        boolean reach = patch.apiKey() != null || !baseUrl.equals(c.baseUrl()) || !Objects.equals(orgId,
                c.orgId());
        Instant now = Times.now(clock);
        CarrierIntegration next = new CarrierIntegration(id, c.tenantId(), name, c.carrier(), baseUrl, orgId,
                reach ? CarrierIntegration.UNTESTED : c.status(), reach ? null : c.lastError(),
                reach ? 0 : c.failures(), c.lastSyncAt(), reach ? now : c.nextSyncAt(), c.createdAt(),
                c.version() + 1);
        String key = patch.apiKey() == null ? cur.sealedKey() : seal(id, patch.apiKey());
        if (!integrations.update(next, key, c.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "integration changed concurrently; read it again");
        }
        List<String> changed = new ArrayList<>();
        if (!name.equals(c.name())) {
            changed.add("name");
        }
        if (!baseUrl.equals(c.baseUrl())) {
            changed.add("base_url");
        }
        if (!Objects.equals(orgId, c.orgId())) {
            changed.add("org_id");
        }
        if (patch.apiKey() != null) {
            changed.add("api_key");
        }
        audit.recordDetails(c.tenantId(), caller, action(caller, "update"), "carrier_integration", id.toString(),
                Map.of("changed", changed));
        return next;
    }

    /** Deletes an integration that no device's SIM uses. */
    @Transactional
    public void delete(Caller caller, UUID id, @Nullable Long expectedVersion) {
        CarrierIntegration c = stored(caller, id).integration();
        checkVersion(c, expectedVersion);
        long linked = sims.countOfIntegration(c.tenantId(), id);
        if (linked > 0) {
            throw new ApiException(ErrorCode.IN_USE, linked + " device(s) have a SIM through this integration; "
                    + "unlink them first");
        }
        if (!integrations.delete(c.tenantId(), id, c.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "integration changed concurrently; read it again");
        }
        audit.recordDetails(c.tenantId(), caller, action(caller, "delete"), "carrier_integration", id.toString(),
                Map.of("name", c.name()));
    }

    /** Calls the carrier with the stored key (lists its plans) and records whether it answered. */
    public CarrierIntegration.TestResult test(Caller caller, UUID id) {
        Stored s = stored(caller, id);
        CarrierIntegration c = s.integration();
        CarrierIntegration.TestResult result;
        try {
            int plans = provider(c).plans(sync.account(s)).size();
            integrations.recordOutcome(c, CarrierIntegration.OK, null, 0, null, c.nextSyncAt());
            result = new CarrierIntegration.TestResult(true, null, plans);
        } catch (CarrierException e) {
            integrations.recordOutcome(c, CarrierIntegration.FAILING, e.getMessage(), c.failures(),
                    null, c.nextSyncAt());
            result = new CarrierIntegration.TestResult(false, e.getMessage(), 0);
        }
        audit.recordDetails(c.tenantId(), caller, action(caller, "test"), "carrier_integration", id.toString(),
                Map.of("ok", result.ok()));
        return result;
    }

    /** The carrier's data plans, for choosing one when provisioning a SIM. */
    public List<CarrierPlan> plans(Caller caller, UUID id) {
        Stored s = stored(caller, id);
        CarrierProvider p = provider(s.integration());
        if (!p.capabilities().contains(CarrierProvider.Capability.LIST_PLANS)) {
            throw new ApiException(ErrorCode.CARRIER_REJECTED, s.integration().carrier() + " cannot list plans");
        }
        try {
            return p.plans(sync.account(s));
        } catch (CarrierException e) {
            throw CarrierErrors.toApi(e);
        }
    }

    /** Syncs the integration now (usage and SIM states) and answers it with the outcome recorded. */
    public CarrierIntegration syncNow(Caller caller, UUID id) {
        Stored s = stored(caller, id);
        sync.sync(s);
        audit.recordDetails(s.integration().tenantId(), caller, action(caller, "sync"), "carrier_integration",
                id.toString(), Map.of());
        return integrations.find(s.integration().tenantId(), id).orElseThrow().integration();
    }

    private Stored stored(Caller caller, UUID id) {
        return (caller.isPlatform() ? integrations.findAnyTenant(id) : integrations.find(caller.tenantId(), id))
                .orElseThrow(() -> ApiException.notFound("carrier integration"));
    }

    private CarrierProvider provider(CarrierIntegration c) {
        CarrierProvider p = providers.get(c.carrier());
        if (p == null) {
            throw new ApiException(ErrorCode.CARRIER_REJECTED, "carrier '" + c.carrier() + "' is not supported");
        }
        return p;
    }

    private UUID operatorTenant(@Nullable UUID tenantId) {
        if (tenantId == null) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "integration is not valid",
                    List.of(new ApiException.FieldError("tenant_id", "is required for a platform operator")));
        }
        tenants.get(tenantId);
        return tenantId;
    }

    private void validate(@Nullable String name, @Nullable String carrier, @Nullable String baseUrl,
            @Nullable String apiKey, @Nullable String orgId, boolean creating) {
        List<ApiException.FieldError> errors = new ArrayList<>();
        if (name == null || name.isBlank() || name.length() > 100) {
            errors.add(new ApiException.FieldError("name", "is required, at most 100 characters"));
        }
        if (carrier == null || providers.get(carrier) == null) {
            errors.add(new ApiException.FieldError("carrier", "must be one of " + providers.names()));
        }
        String refused = baseUrl == null ? "is required" : urls.refusal(baseUrl);
        if (refused != null) {
            errors.add(new ApiException.FieldError("base_url", refused));
        }
        if (creating && apiKey == null || apiKey != null && (apiKey.isBlank() || apiKey.length() > 512)) {
            errors.add(new ApiException.FieldError("api_key", "is required, at most 512 characters"));
        }
        if (orgId != null && !ORG_ID.matcher(orgId).matches()) {
            errors.add(new ApiException.FieldError("org_id", "is 1-64 of A-Z a-z 0-9 _ -"));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "integration is not valid", errors);
        }
    }

    private static void checkVersion(CarrierIntegration c, @Nullable Long expected) {
        if (expected != null && expected != c.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "integration has changed; its current ETag is \"" + c.version() + "\"");
        }
    }

    private String seal(UUID id, String apiKey) {
        return vault.seal(apiKey.getBytes(StandardCharsets.UTF_8), "carrier_integration:" + id);
    }

    private static String action(Caller caller, String verb) {
        return (caller.isPlatform() ? "operator." : "") + "carrier_integration." + verb;
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "a carrier integration named '" + name + "' exists",
                List.of(new ApiException.FieldError("name", "is already used by another integration")));
    }
}
