package io.fleetkeeper.tenancy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.ApiToken.IssuedToken;
import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import io.fleetkeeper.tenancy.internal.TenantRepository;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Platform-operator management of tenants. */
@Service
public class TenantService {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");

    /** A new tenant with its first admin token, whose secret is shown this once. */
    public record CreatedTenant(Tenant tenant, IssuedToken adminToken) {
    }

    private final TenantRepository tenants;
    private final TokenService tokens;
    private final Clock clock;

    private final org.springframework.context.ApplicationEventPublisher publisher;

    TenantService(TenantRepository tenants, TokenService tokens, Clock clock,
            org.springframework.context.ApplicationEventPublisher publisher) {
        this.publisher = publisher;
        this.tenants = tenants;
        this.tokens = tokens;
        this.clock = clock;
    }

    @Transactional
    public CreatedTenant create(Caller actor, String name) {
        new Violations().required("name", name)
                .pattern("name", name, NAME, "2-63 lowercase letters, digits or '-', starting with a letter or digit")
                .throwIfAny();
        if (tenants.nameTaken(name)) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "a tenant named '" + name + "' exists");
        }
        Instant now = io.fleetkeeper.store.Times.now(clock);
        Tenant tenant = new Tenant(Ids.newId(clock), name, TenantStatus.ACTIVE, now, now, 1);
        tenants.insert(tenant);
        IssuedToken admin = tokens.insert(tenant.id(), "initial admin", Role.ADMIN, null, actor.actor(),
                Secrets.generate(TokenService.TOKEN_PREFIX));
        publisher.publishEvent(
                new TenancyAction(tenant.id(), actor, "tenant.create", "tenant", tenant.id().toString(), null));
        return new CreatedTenant(tenant, admin);
    }

    public Tenant get(UUID id) {
        return tenants.find(id).orElseThrow(() -> ApiException.notFound("tenant"));
    }

    public Page<Tenant> list(String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "tenant-name");
        return Page.of(tenants.page(c == null ? null : c.key(), limit + 1), limit,
                t -> new Cursor("tenant-name", t.name(), t.id().toString()));
    }

    @Transactional
    public Tenant suspend(Caller actor, UUID id) {
        return setStatus(actor, id, TenantStatus.SUSPENDED, "tenant.suspend");
    }

    @Transactional
    public Tenant resume(Caller actor, UUID id) {
        return setStatus(actor, id, TenantStatus.ACTIVE, "tenant.resume");
    }

    private Tenant setStatus(Caller actor, UUID id, TenantStatus status, String action) {
        Tenant t = get(id);
        if (t.status() == status) {
            return t;
        }
        tenants.updateStatus(id, status, clock.millis());
        publisher.publishEvent(new TenancyAction(id, actor, action, "tenant", id.toString(), null));
        AfterCommit.run(tokens::invalidateAll);
        var changed = new TenantStatusChanged(id, status);
        AfterCommit.run(() -> publisher.publishEvent(changed));
        return get(id);
    }
}
