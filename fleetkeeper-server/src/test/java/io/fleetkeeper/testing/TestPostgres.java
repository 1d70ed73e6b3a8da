package io.fleetkeeper.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The PostgreSQL server tests use: {@code FLEETKEEPER_TEST_PG_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}) as {@code FLEETKEEPER_TEST_PG_USER} (default {@code postgres}),
 * no password. Tests that need it skip, saying so, when it is not there.
 */
public final class TestPostgres {

    public static final String URL = env("FLEETKEEPER_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = env("FLEETKEEPER_TEST_PG_USER", "postgres");

    private TestPostgres() {
    }

    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(URL, USER, "");
    }

    /** The URL with {@code schema} as the current schema. */
    public static String url(String schema) {
        return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
