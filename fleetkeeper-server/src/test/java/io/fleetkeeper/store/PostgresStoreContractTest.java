package io.fleetkeeper.store;

import io.fleetkeeper.connectivity.ConnectionStoreContract;
import io.fleetkeeper.job.JobStoreContract;
import io.fleetkeeper.shadow.ShadowQueryStoreContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

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
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, "")) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
