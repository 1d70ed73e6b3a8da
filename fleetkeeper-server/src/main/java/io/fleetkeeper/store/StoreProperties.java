package io.fleetkeeper.store;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where Fleetkeeper keeps its data.
 *
 * @param dataDir  directory for the embedded database and generated secrets (default {@code ./data})
 * @param url      JDBC URL; empty selects the embedded SQLite file {@code <dataDir>/fleetkeeper.db};
 *                 {@code jdbc:postgresql://...} selects PostgreSQL (env {@code FLEETKEEPER_DB_URL})
 * @param username database user for PostgreSQL (env {@code FLEETKEEPER_DB_USERNAME})
 * @param password database password for PostgreSQL (env {@code FLEETKEEPER_DB_PASSWORD})
 * @param poolSize maximum pooled connections (default 16 on PostgreSQL, 8 on SQLite)
 */
@ConfigurationProperties("fleetkeeper.db")
public record StoreProperties(
        @DefaultValue("./data") String dataDir,
        @DefaultValue("") String url,
        @DefaultValue("") String username,
        @DefaultValue("") String password,
        @DefaultValue("0") int poolSize) {
}
