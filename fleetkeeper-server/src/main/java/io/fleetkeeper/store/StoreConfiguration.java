package io.fleetkeeper.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Builds the connection pool for the configured store: an SQLite file in WAL mode by default, or
 * PostgreSQL when {@code fleetkeeper.db.url} names one.
 */
@Configuration(proxyBeanMethods = false)
class StoreConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StoreConfiguration.class);

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    Dialect dialect(StoreProperties props) {
        return Dialect.ofUrl(jdbcUrl(props));
    }

    /** The embedded store's writer lock (unused on PostgreSQL). */
    @Bean
    SqliteWriter sqliteWriter() {
        return new SqliteWriter();
    }

    @Bean(destroyMethod = "close")
    DataSource dataSource(StoreProperties props, Dialect dialect, SqliteWriter writer) {
        String url = jdbcUrl(props);
        HikariConfig config = new HikariConfig();
        config.setPoolName("fleetkeeper");
        if (dialect == Dialect.SQLITE) {
            config.setDataSource(writer.guard(sqlite(url)));
            config.setMaximumPoolSize(props.poolSize() > 0 ? props.poolSize() : 8);
            // A connection that saw SQLITE_BUSY or SQLITE_LOCKED may have half-changed its transaction state
            // (auto-commit off without a BEGIN); never hand it out again.
            config.setExceptionOverride(new SQLExceptionOverride() {
                @java.lang.Override
                public Override adjudicate(java.sql.SQLException e) {
                    return e.getErrorCode() == 5 || e.getErrorCode() == 6 ? Override.MUST_EVICT
                            : Override.CONTINUE_EVICT;
                }
            });
            log.info("Store: embedded SQLite at {}", url.substring("jdbc:sqlite:".length()));
        } else {
            config.setJdbcUrl(url);
            config.setUsername(props.username().isEmpty() ? null : props.username());
            config.setPassword(props.password().isEmpty() ? null : props.password());
            config.setMaximumPoolSize(props.poolSize() > 0 ? props.poolSize() : 16);
            // Strings bind as untyped literals, so UUID and JSON text bind the same way on both stores.
            config.addDataSourceProperty("stringtype", "unspecified");
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            log.info("Store: PostgreSQL");
        }
        return new HikariDataSource(config);
    }

    /** SQLite queues writers in Java (see {@link SqliteTransactionManager}); PostgreSQL needs nothing extra. */
    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource, Dialect dialect, SqliteWriter writer) {
        return dialect == Dialect.SQLITE ? new SqliteTransactionManager(dataSource, writer)
                : new JdbcTransactionManager(dataSource);
    }

    static String jdbcUrl(StoreProperties props) {
        if (!props.url().isBlank()) {
            return props.url();
        }
        Path dir = Path.of(props.dataDir()).toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dir, e);
        }
        return "jdbc:sqlite:" + dir.resolve("fleetkeeper.db");
    }

    private static DataSource sqlite(String url) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only an
        // OS crash or power loss can lose the last commits. Documented in the README.
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(30_000);
        config.enforceForeignKeys(true);
        // Write transactions take the write lock up front, so two writers never deadlock on upgrade.
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.setCacheSize(-65_536);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl(url);
        return ds;
    }
}
