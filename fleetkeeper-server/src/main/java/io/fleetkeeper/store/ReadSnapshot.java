package io.fleetkeeper.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs a body of reads against one snapshot of the database, however long it takes; reads through any
 * feature's service inside it see that snapshot, and an independent write transaction ({@code REQUIRES_NEW})
 * still works beside it.
 *
 * <p>PostgreSQL: one {@code REPEATABLE READ}, read-only transaction. SQLite: a transaction of the ordinary
 * manager would take the Java writer lock and {@code BEGIN IMMEDIATE} (see {@link SqliteTransactionManager}) and
 * stall every write for the whole body, so here a pooled connection begins {@code DEFERRED}, reads once to fix
 * its WAL snapshot, and is bound to the thread as the current transaction's connection; writers go on beside it.
 * The cost on SQLite: the WAL cannot be checkpointed past the snapshot while it is open.
 */
@Component
public class ReadSnapshot {

    private final DataSource dataSource;
    private final Dialect dialect;
    private final TransactionTemplate repeatableRead;

    ReadSnapshot(DataSource dataSource, Dialect dialect, PlatformTransactionManager txManager) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.repeatableRead = new TransactionTemplate(txManager);
        repeatableRead.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        repeatableRead.setReadOnly(true);
    }

    public void run(Runnable body) {
        if (dialect == Dialect.POSTGRESQL) {
            repeatableRead.executeWithoutResult(s -> body.run());
            return;
        }
        if (TransactionSynchronizationManager.hasResource(dataSource)) {
            throw new IllegalStateException("a read snapshot cannot start inside another transaction");
        }
        try (Connection c = dataSource.getConnection()) {
            SQLiteConnection sqlite = c.unwrap(SQLiteConnection.class);
            var config = sqlite.getConnectionConfig();
            SQLiteConfig.TransactionMode mode = config.getTransactionMode();
            config.setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
            try {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.executeQuery("SELECT count(*) FROM sqlite_schema").close(); // the snapshot starts here
                }
                ConnectionHolder holder = new ActiveHolder(c);
                TransactionSynchronizationManager.bindResource(dataSource, holder);
                try {
                    body.run();
                } finally {
                    TransactionSynchronizationManager.unbindResource(dataSource);
                }
            } finally {
                try {
                    c.rollback();
                    c.setAutoCommit(true);
                } finally {
                    config.setTransactionMode(mode);
                }
            }
        } catch (SQLException e) {
            throw new org.springframework.dao.DataAccessResourceFailureException("read snapshot: " + e.getMessage(),
                    e);
        }
    }

    /** Marked as an active transaction, so that a {@code REQUIRES_NEW} transaction beside it suspends it. */
    private static final class ActiveHolder extends ConnectionHolder {
        ActiveHolder(Connection c) {
            super(c);
            setTransactionActive(true);
        }
    }
}
