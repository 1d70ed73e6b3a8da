package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.device.DeviceRules;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.CertificateService.Issued;
import io.fleetkeeper.provisioning.internal.Attempts;
import io.fleetkeeper.provisioning.internal.TenantGate;
import io.fleetkeeper.provisioning.internal.ProvenanceRepository;
import io.fleetkeeper.provisioning.internal.KeyRepository;
import io.fleetkeeper.provisioning.internal.KeyRepository.Found;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.Secrets;
import io.fleetkeeper.web.Violations;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Claim tokens (seed 004): an installer's token plus the device's CSR creates the device and returns its
 * certificate. Uses are counted by one conditional update, so {@code max_uses} holds under any
 * concurrency; a token that is unknown, expired, exhausted or revoked gets the same 401.
 */
@Service
public class ClaimService {

    public static final String PREFIX = "fkc_";

    /** What a claiming device may add; everything is optional. */
    public record ClaimRequest(String name, String serial, Map<String, String> metadata) {
    }

    /** The new device and its certificate with the chain to install. */
    public record Claimed(UUID tenantId, Device device, Issued certificate) {
    }

    private final KeyRepository keys;
    private final ProvenanceRepository credentials;
    private final DeviceService devices;
    private final CertificateService certificates;
    private final AuditService audit;
    private final Attempts attempts;
    private final TenantGate tenantGate;
    private final TransactionTemplate tx;
    private final Clock clock;

    ClaimService(KeyRepository keys, ProvenanceRepository credentials, DeviceService devices,
            CertificateService certificates, AuditService audit, Attempts attempts, TenantGate tenantGate,
            PlatformTransactionManager txm,
            Clock clock) {
        this.keys = keys;
        this.credentials = credentials;
        this.devices = devices;
        this.certificates = certificates;
        this.audit = audit;
        this.attempts = attempts;
        this.tenantGate = tenantGate;
        this.tx = new TransactionTemplate(txm);
        this.clock = clock;
    }

    @Transactional
    public ClaimToken.Issued create(Caller caller, String label, String deviceType, Integer maxUses,
            Instant expiresAt, Map<String, String> defaultMetadata) {
        return create(caller, label, deviceType, maxUses, expiresAt, defaultMetadata, null);
    }

    /** With {@code templateId}: the devices that claim with the token are created from that template. */
    @Transactional
    public ClaimToken.Issued create(Caller caller, String label, String deviceType, Integer maxUses,
            Instant expiresAt, Map<String, String> defaultMetadata, UUID templateId) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations().required("label", label).maxLength("label", label, 200);
        if (templateId != null && !devices.templateExists(tenantId, templateId)) {
            v.add("template_id", "no such template");
        }
        DeviceRules.type(v, deviceType);
        if (maxUses == null || maxUses < 1 || maxUses > 1_000_000) {
            v.add("max_uses", "must be between 1 and 1000000");
        }
        if (expiresAt == null || !expiresAt.isAfter(clock.instant())) {
            v.add("expires_at", "is required and must be in the future");
        }
        // Claim tokens carry string defaults (their API takes strings), which stay strings when validated.
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        DeviceRules.metadata(v, defaultMetadata).forEach((k, value) -> meta.put(k, (String) value));
        v.throwIfAny();
        String secret = Secrets.generate(PREFIX);
        ClaimToken t = new ClaimToken(Ids.newId(clock), label, secret.substring(0, PREFIX.length() + 6), deviceType,
                meta, maxUses, 0, expiresAt, null, caller.actor(), Times.now(clock), templateId);
        keys.insertToken(tenantId, t, Secrets.sha256(secret));
        audit.record(tenantId, caller, "claim_token.create", "claim_token", t.id().toString(), null);
        return new ClaimToken.Issued(t, secret);
    }

    public Page<ClaimToken> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("claim-token", cursor, limit, (after, fetch) -> keys.tokens(tenantId, after, fetch),
                ClaimToken::id);
    }

    public ClaimToken get(UUID tenantId, UUID id) {
        return keys.token(tenantId, id).orElseThrow(() -> ApiException.notFound("claim token"));
    }

    @Transactional
    public ClaimToken revoke(Caller caller, UUID id) {
        UUID tenantId = caller.tenantId();
        get(tenantId, id);
        keys.revokeToken(tenantId, id, clock.millis());
        audit.record(tenantId, caller, "claim_token.revoke", "claim_token", id.toString(), null);
        return get(tenantId, id);
    }

    /** Claims with {@code tokenSecret}: creates the device and signs its CSR, or changes nothing. */
    public Claimed claim(String tokenSecret, PKCS10CertificationRequest csr, ClaimRequest in, String remoteAddr) {
        return claim(tokenSecret, csr, in, remoteAddr, CaChoice.DEFAULT);
    }

    /**
     * As {@link #claim(String, PKCS10CertificationRequest, ClaimRequest, String)}, with the certificate from the
     * CA that {@code ca} picks in the token's tenant; when it names none there (404), nothing changes and the
     * token keeps its use.
     */
    public Claimed claim(String tokenSecret, PKCS10CertificationRequest csr, ClaimRequest in, String remoteAddr,
            CaChoice ca) {
        String credential = tokenSecret == null ? "none" : Secrets.sha256(tokenSecret);
        attempts.check(remoteAddr, credential);
        Found<ClaimToken> found = tokenSecret == null || !tokenSecret.startsWith(PREFIX) ? null
                : keys.tokenByHash(credential).orElse(null);
        if (found == null || !Secrets.sameDigest(found.hash(), credential)) {
            rejected(null, "unknown", remoteAddr, credential, "unknown claim token");
            throw invalid();
        }
        UUID tenantId = found.tenantId();
        ClaimToken token = found.value();
        Caller actor = new Caller(tenantId, "claim-token:" + token.id(), Role.OPERATOR);
        try {
            tenantGate.requireActive(tenantId);
            UUID caId = ca.caFor(tenantId);
            PublicKey key = certificates.verifyCsr(csr);
            return tx.execute(s -> {
                Map<String, String> meta = new LinkedHashMap<>(token.defaultMetadata());
                if (in.metadata() != null) {
                    meta.putAll(in.metadata());
                }
                String name = in.name() != null ? in.name() : in.serial() != null ? in.serial()
                        : token.deviceType() + "-" + Ids.newId(clock).toString().substring(24);
                Device d = devices.create(actor, new NewDevice(name, token.deviceType(), in.serial(),
                        List.of(), meta, null, null, null).withTemplate(token.templateId()));
                // Before the certificate, which would otherwise record a PROVISIONED event without the method. The
                // device is new in this transaction, so it has none yet: no look-up first.
                devices.recordEvent(tenantId, d.id(), DeviceEvent.PROVISIONED, actor.actor(),
                        "{\"method\":\"claim_token\",\"token_id\":\"" + token.id() + "\"}");
                Issued cert = certificates.issueForKey(actor, d.id(), key, null, caId);
                credentials.provenance(tenantId, new Provenance(d.id(), "claim_token", token.id().toString(),
                        remoteAddr, Times.now(clock)));
                audit.record(tenantId, actor, "device.claim", "device", d.id().toString(),
                        "{\"token_id\":\"" + token.id() + "\",\"remote_addr\":\"" + remoteAddr + "\"}");
                // Taking the use is the last write: the token's row is locked only until the commit.
                if (!keys.useToken(tenantId, token.id(), clock.millis())) {
                    throw invalid();
                }
                return new Claimed(tenantId, devices.get(tenantId, d.id()), cert);
            });
        } catch (ApiException e) {
            rejected(tenantId, token.id().toString(), remoteAddr, credential, e.getMessage());
            throw e;
        }
    }

    private void rejected(UUID tenantId, String tokenId, String remoteAddr, String credential, String why) {
        attempts.rejected(tenantId, "claim-token:" + tokenId, "device.claim.rejected", "claim_token", tokenId,
                remoteAddr, credential, why);
    }

    static ApiException invalid() {
        return new ApiException(ErrorCode.UNAUTHENTICATED, "claim token is not valid");
    }
}
