package io.fleetkeeper.tenancy;

import static io.fleetkeeper.testing.ContractTenant.PLATFORM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.testing.ContractTenant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * The tenancy store contract: API tokens authenticate until revoked or their tenant is suspended, the same on
 * SQLite and PostgreSQL. The store contract tests implement it; each test works in a tenant of its own.
 */
public interface TenancyStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, TenantService tenants, TokenService tokens) {

        static Fixture of(ApplicationContext ctx) {
            TenantService tenants = ctx.getBean(TenantService.class);
            ContractTenant t = ContractTenant.create(tenants, "tc-");
            return new Fixture(t.id(), t.admin(), tenants, ctx.getBean(TokenService.class));
        }
    }

    @Test
    default void tokensAuthenticateUntilRevoked(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        var issued = f.tokens().create(f.tenant(), f.admin(), "ci", "viewer", null);
        Caller c = f.tokens().authenticate(issued.secret());
        assertThat(c.tenantId()).isEqualTo(f.tenant());
        assertThat(c.role()).isEqualTo(Role.VIEWER);
        f.tokens().revoke(f.tenant(), issued.token().id(), f.admin());
        assertThatThrownBy(() -> f.tokens().authenticate(issued.secret())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }

    @Test
    default void suspendedTenantsTokensFail(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        var issued = f.tokens().create(f.tenant(), f.admin(), "ci", "admin", null);
        f.tokens().authenticate(issued.secret());
        f.tenants().suspend(PLATFORM, f.tenant());
        assertThatThrownBy(() -> f.tokens().authenticate(issued.secret())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TENANT_SUSPENDED));
        f.tenants().resume(PLATFORM, f.tenant());
        assertThat(f.tokens().authenticate(issued.secret()).tenantId()).isEqualTo(f.tenant());
    }

    @Test
    default void tokensPageInCreationOrder(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        var issued = f.tokens().create(f.tenant(), f.admin(), "a", "viewer", null).token().id();
        var more = f.tokens().create(f.tenant(), f.admin(), "b", "viewer", null).token().id();
        var first = f.tokens().list(f.tenant(), null, 2);
        assertThat(first.items()).hasSize(2).extracting(ApiToken::id).endsWith(issued);
        var second = f.tokens().list(f.tenant(), first.nextCursor(), 2);
        assertThat(second.items()).extracting(ApiToken::id).containsExactly(more);
        assertThat(second.nextCursor()).isNull();
    }
}
