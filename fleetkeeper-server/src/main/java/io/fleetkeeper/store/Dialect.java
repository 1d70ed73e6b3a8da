package io.fleetkeeper.store;

/** The two stores Fleetkeeper runs on. SQL is written once and means the same on both. */
public enum Dialect {
    SQLITE,
    POSTGRESQL;

    public static Dialect ofUrl(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("unsupported database URL (use jdbc:sqlite: or jdbc:postgresql:)");
    }
}
