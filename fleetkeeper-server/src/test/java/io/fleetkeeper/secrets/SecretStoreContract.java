package io.fleetkeeper.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The device secrets store contract, on SQLite and on PostgreSQL: values are sealed at rest (the raw rows never
 * hold them), a sealed value is bound to its row, concurrent rotations keep one version sequence with one active
 * version, and a purged device leaves no secret rows.
 */
public interface SecretStoreContract {

    record Fixture(UUID tenant, Caller admin, UUID device, DeviceService devices, DeviceSecretService secrets,
            JdbcClient jdbc) {

        static Fixture of(ApplicationContext ctx) {
            ContractTenant t = ContractTenant.create(ctx.getBean(TenantService.class), "sec-");
            DeviceService devices = ctx.getBean(DeviceService.class);
            UUID device = devices.create(t.admin(), new NewDevice("gw", "gateway", null, List.of(), Map.of(), null,
                    null, null)).id();
            return new Fixture(t.id(), t.admin(), device, devices, ctx.getBean(DeviceSecretService.class),
                    ctx.getBean(JdbcClient.class));
        }

        List<Map<String, Object>> rawVersions() {
            return jdbc.sql("SELECT * FROM device_secret_versions WHERE tenant_id = ? AND device_id = ?")
                    .params(tenant.toString(), device.toString()).query().listOfRows();
        }
    }

    @Test
    default void valuesAreSealedAtRestAndBoundToTheirRow(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        String value = "the-plaintext-token-" + UUID.randomUUID();
        f.secrets().create(f.admin(), f.device(), new NewSecret("api", SecretType.TOKEN, value, null, null, null,
                true));
        String second = f.secrets().rotate(f.admin(), f.device(), "api", new SecretRotation(null, true, null), null)
                .value();

        List<Map<String, Object>> rows = f.rawVersions();
        assertThat(rows).hasSize(2);
        for (Map<String, Object> row : rows) {
            String all = row.values().toString();
            assertThat(all).doesNotContain(value).doesNotContain(second);
            assertThat(row.get("sealed_value").toString()).startsWith("v1:");
        }
        assertThat(f.secrets().readByDevice(f.tenant(), f.device(), "api").value()).isEqualTo(second);
        DeviceSecret listed = f.secrets().list(f.tenant(), f.device(), null, 10).items().getFirst();
        assertThat(listed.latestVersion()).isEqualTo(2);
        assertThat(listed.fingerprint()).isNotNull()
                .isEqualTo(f.secrets().get(f.tenant(), f.device(), "api").versions().get(1).fingerprint());

        Sealer sealer = ctx.getBean(Sealer.class);
        String v1 = rows.stream().filter(r -> ((Number) r.get("version")).intValue() == 1).findFirst().orElseThrow()
                .get("sealed_value").toString();
        String boundV1 = DeviceSecretService.boundTo(f.tenant(), f.device(), "api", 1);
        assertThat(new String(sealer.open(v1, boundV1), StandardCharsets.UTF_8)).isEqualTo(value);
        assertThatThrownBy(() -> sealer.open(v1, DeviceSecretService.boundTo(f.tenant(), f.device(), "api", 2)))
                .as("a sealed value moved to another version does not open").isInstanceOf(IllegalStateException.class);
    }

    @Test
    default void concurrentRotationsKeepOneSequenceWithOneActiveVersion(ApplicationContext ctx) throws Exception {
        Fixture f = Fixture.of(ctx);
        f.secrets().create(f.admin(), f.device(), new NewSecret("t", SecretType.TOKEN, null, true, null, null, null));
        CountDownLatch start = new CountDownLatch(1);
        List<Future<RevealedSecret>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return f.secrets().rotate(f.admin(), f.device(), "t", new SecretRotation(null, true, null), null);
                }));
            }
            start.countDown();
        }
        int succeeded = 0;
        for (Future<RevealedSecret> r : results) {
            try {
                r.get();
                succeeded++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ApiException.class);
            }
        }
        DeviceSecret slot = f.secrets().get(f.tenant(), f.device(), "t");
        assertThat(slot.latestVersion()).isEqualTo(1 + succeeded);
        assertThat(slot.versions()).extracting(SecretVersion::version)
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 1 + succeeded).boxed().toList());
        assertThat(slot.versions()).filteredOn(v -> v.status().equals("ACTIVE")).singleElement()
                .extracting(SecretVersion::version).isEqualTo(slot.activeVersion());
    }

    @Test
    default void aPurgedDeviceLeavesNoSecretRows(ApplicationContext ctx) {
        Fixture f = Fixture.of(ctx);
        f.secrets().create(f.admin(), f.device(), new NewSecret("a", SecretType.OTHER, "x", null, null, null, null));
        f.secrets().create(f.admin(), f.device(), new NewSecret("b", SecretType.SSH_KEY, null, true, null, null,
                null));
        f.devices().purge(f.admin(), f.device(), null);
        assertThat(f.rawVersions()).isEmpty();
        assertThat(f.jdbc().sql("SELECT COUNT(*) FROM device_secrets WHERE tenant_id = ?")
                .param(f.tenant().toString()).query(Long.class).single()).isZero();
    }
}
