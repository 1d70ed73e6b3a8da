package io.fleetkeeper.store;

import io.fleetkeeper.connectivity.ConnectionStoreContract;
import io.fleetkeeper.job.JobStoreContract;
import io.fleetkeeper.shadow.ShadowQueryStoreContract;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.job.internal.ExecutionRepository;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The store contract on PostgreSQL, in a schema of its own that is dropped afterwards. Uses
 * {@code FLEETKEEPER_TEST_PG_URL} (default {@code jdbc:postgresql://127.0.0.1:5432/test}, user
 * {@code FLEETKEEPER_TEST_PG_USER} or postgres); skipped, with a message, when that server is not there.
 */
@EnabledIf("available")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class PostgresStoreContractTest extends StoreContract implements ConnectionStoreContract,
        ShadowQueryStoreContract, JobStoreContract {

    static final String URL = env("FLEETKEEPER_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = env("FLEETKEEPER_TEST_PG_USER", "postgres");
    static final String SCHEMA = "fk_contract_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    static boolean available() {
        try (Connection c = DriverManager.getConnection(URL, USER, "")) {
            c.createStatement().execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            return true;
        } catch (SQLException e) {
            System.out.println("SKIPPED: PostgreSQL store contract tests: no PostgreSQL at " + URL + " ("
                    + e.getMessage() + ")");
            return false;
        }
    }

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) {
        registry.add("fleetkeeper.db.url", () -> URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA);
        registry.add("fleetkeeper.db.username", () -> USER);
        registry.add("fleetkeeper.jobs.runner-enabled", () -> "false"); // it would tick on after the schema is dropped
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, "")) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Autowired PlatformTransactionManager txManager;
    @Autowired ExecutionRepository executions;

    @Test
    void fleetQueryReadsAreNeverServerPreparedSoEachIsPlannedWithItsValues() {
        create("pump-a", "AB-1", Map.of("region", "eu-west"));
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

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
