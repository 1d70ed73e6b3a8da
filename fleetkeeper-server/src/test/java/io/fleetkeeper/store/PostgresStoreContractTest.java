package io.fleetkeeper.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.audit.AuditStoreContract;
import io.fleetkeeper.carrier.CarrierStoreContract;
import io.fleetkeeper.command.CommandStoreContract;
import io.fleetkeeper.connectivity.ConnectionStoreContract;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStoreContract;
import io.fleetkeeper.device.NewDevice;
import io.fleetkeeper.event.AlertStoreContract;
import io.fleetkeeper.event.EventStoreContract;
import io.fleetkeeper.export.ExportStoreContract;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.fleet.FleetStoreContract;
import io.fleetkeeper.job.JobStoreContract;
import io.fleetkeeper.job.internal.ExecutionRepository;
import io.fleetkeeper.ota.CampaignStoreContract;
import io.fleetkeeper.ota.FirmwareStoreContract;
import io.fleetkeeper.pki.PkiStoreContract;
import io.fleetkeeper.provisioning.ProvisioningStoreContract;
import io.fleetkeeper.secrets.SecretStoreContract;
import io.fleetkeeper.shadow.ShadowQueryStoreContract;
import io.fleetkeeper.shadow.ShadowStoreContract;
import io.fleetkeeper.telemetry.TelemetryStoreContract;
import io.fleetkeeper.template.TemplateStoreContract;
import io.fleetkeeper.tenancy.TenancyStoreContract;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.testing.ContractTenant;
import io.fleetkeeper.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every feature's store contract on PostgreSQL, in a schema of its own that is dropped afterwards. Uses
 * {@link TestPostgres}; skipped, with a message, when that server is not there.
 */
@EnabledIf("available")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class PostgresStoreContractTest implements DeviceStoreContract, TenancyStoreContract,
        AuditStoreContract, FleetStoreContract, ShadowStoreContract, ShadowQueryStoreContract, CommandStoreContract,
        ConnectionStoreContract, JobStoreContract, PkiStoreContract, ProvisioningStoreContract,
        SecretStoreContract, EventStoreContract, FirmwareStoreContract,
        TelemetryStoreContract, AlertStoreContract,
        CampaignStoreContract, CarrierStoreContract, TemplateStoreContract, ExportStoreContract, LeaseStoreContract {

    static final String SCHEMA = "fk_contract_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    static boolean available() {
        try (Connection c = TestPostgres.connect()) {
            c.createStatement().execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            return true;
        } catch (SQLException e) {
            System.out.println("SKIPPED: PostgreSQL store contract tests: no PostgreSQL at " + TestPostgres.URL
                    + " (" + e.getMessage() + ")");
            return false;
        }
    }

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) {
        registry.add("fleetkeeper.db.url", () -> TestPostgres.url(SCHEMA));
        registry.add("fleetkeeper.db.username", () -> TestPostgres.USER);
        registry.add("fleetkeeper.blobs.dir", PostgresStoreContractTest::blobDir);
        registry.add("fleetkeeper.jobs.runner-enabled", () -> "false"); // it would tick on after the schema is dropped
        registry.add("fleetkeeper.events.relay-enabled", () -> "false"); // the same; the contract steps the relay
        registry.add("fleetkeeper.events.delivery-enabled", () -> "false");
    }

    private static String blobDir() {
        try {
            return java.nio.file.Files.createTempDirectory("fk-pg-contract-blobs").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        try (Connection c = TestPostgres.connect()) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Autowired PlatformTransactionManager txManager;
    @Autowired ExecutionRepository executions;
    @Autowired TenantService tenants;
    @Autowired DeviceService devices;
    @Autowired FleetQueries fleet;
    @Autowired JdbcClient jdbc;

    @Test
    void fleetQueryReadsAreNeverServerPreparedSoEachIsPlannedWithItsValues() {
        ContractTenant t = ContractTenant.create(tenants, "pg-");
        UUID tenant = t.id();
        devices.create(t.admin(), new NewDevice("pump-a", "meter", "AB-1", List.of(),
                Map.of("region", "eu-west"), "1.0", "rev-a", null));
        DeviceCondition region = fleet.compile(tenant, fleet.parse("metadata.region = \"eu-west\""));
        Long named = new TransactionTemplate(txManager).execute(s -> { // one transaction: one connection
            for (int i = 0; i < 8; i++) { // the driver names a statement at its fifth run
                assertThat(executions.targetPage(tenant, UUID.randomUUID(),
                        devices.matchingIdsQuery(tenant, region, null, null, 10), 0).matched()).isEqualTo(1);
                assertThat(fleet.count(tenant, region)).isEqualTo(1);
                assertThat(devices.list(tenant, new DeviceFilter(null, null, null, null, null, null, null, null, null,
                        null, null, region, null), null, 10).items()).hasSize(1);
            }
            return jdbc.sql("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM device_metadata m WHERE%'")
                    .query(Long.class).single();
        });
        assertThat(named).isZero();
    }

    @Test
    void aDeviceChangeWaitsForNoOtherOpenTransactionOfItsTenant() throws Exception {
        // The maintained counts are sharded: a transaction holding its tenant's counter rows (here a device
        // created and not yet committed) does not hold up another device change of the same tenant.
        ContractTenant t = ContractTenant.create(tenants, "pg-");
        var created = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var holder = pool.submit(() -> new TransactionTemplate(txManager).executeWithoutResult(s -> {
                devices.create(t.admin(), new NewDevice("held", "meter", null, List.of(), Map.of(), "1.0", null, null));
                // the counters are written just before commit: hold the transaction after that, rows locked
                org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                        new org.springframework.transaction.support.TransactionSynchronization() {
                            @Override
                            public void beforeCommit(boolean readOnly) {
                                created.countDown();
                                await(release);
                            }
                        });
            }));
            assertThat(created.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            var other = pool.submit(() -> devices.create(t.admin(),
                    new NewDevice("other", "meter", null, List.of(), Map.of(), "1.0", null, null)));
            try {
                other.get(20, java.util.concurrent.TimeUnit.SECONDS);
            } finally {
                release.countDown();
            }
            holder.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        var stats = devices.stats(t.id());
        assertThat(stats.total()).isEqualTo(2);
        assertThat(stats.byType()).containsEntry("meter", 2L);
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
