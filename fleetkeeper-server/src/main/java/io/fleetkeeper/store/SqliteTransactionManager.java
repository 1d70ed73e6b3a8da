package io.fleetkeeper.store;

import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionSystemException;

/**
 * SQLite has one writer at a time. Writers queue here, on a fair Java lock, before {@code BEGIN IMMEDIATE}
 * instead of inside SQLite's busy handler: a virtual thread waiting in native code pins its carrier, and
 * with as many waiters as carriers the lock holder could never run to commit (seen in the provisioning
 * benchmark as 30-60 s stalls). A waiting virtual thread parks and frees its carrier. Writes made outside a
 * transaction queue on the same lock ({@link SqliteWriter}).
 */
class SqliteTransactionManager extends JdbcTransactionManager {

    private final ReentrantLock writer;

    SqliteTransactionManager(DataSource dataSource, SqliteWriter writer) {
        super(dataSource);
        this.writer = writer.lock();
    }

    @Override
    protected void doBegin(Object transaction, TransactionDefinition definition) {
        if (writer.isHeldByCurrentThread()) {
            // A second, independent transaction on this thread would wait for our own write lock forever.
            throw new TransactionSystemException("nested independent SQLite write transactions are not supported");
        }
        writer.lock();
        try {
            super.doBegin(transaction, definition);
        } catch (RuntimeException e) {
            writer.unlock();
            throw e;
        }
    }

    @Override
    protected void doCleanupAfterCompletion(Object transaction) {
        try {
            super.doCleanupAfterCompletion(transaction);
        } finally {
            if (writer.isHeldByCurrentThread()) {
                writer.unlock();
            }
        }
    }
}
