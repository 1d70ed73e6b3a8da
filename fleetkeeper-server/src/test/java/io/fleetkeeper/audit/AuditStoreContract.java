package io.fleetkeeper.audit;

import static io.fleetkeeper.device.DeviceStoreContract.device;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

/**
 * The audit store contract: entries filter and page newest first the same on SQLite and PostgreSQL. The store
 * contract tests implement it; each test works in a tenant of its own.
 */
public interface AuditStoreContract {

    /** A fresh tenant with the beans the tests use. */
    record Fixture(UUID tenant, Caller admin, DeviceService devices, AuditService audit) {

        static Fixture of(ApplicationContext ctx) {
            ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "ac-");
            return new Fixture(t.id(), t.admin(), ctx.getBean(DeviceService.class), ctx.getBean(AuditService.class));
        }

        Device create(String name, String serial, Map<String, String> meta) {
            return devices.create(admin, device(name, serial, meta));
        }
    }

    @Test
    default void auditRecordsMutationsNewestFirst(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        Device d = f.create("a", null, Map.of());
        f.devices().suspend(f.admin(), d.id(), null);
        var page = f.audit().list(f.tenant(), new AuditQuery(null, null, "device", d.id().toString(), null, null),
                null, 10);
        assertThat(page.items()).extracting(e -> e.action()).containsExactly("device.suspend", "device.create");
        assertThat(f.audit().list(f.tenant(), new AuditQuery(null, "device.create", null, null, null, null), null, 10)
                .items()).hasSize(1);
    }
}
