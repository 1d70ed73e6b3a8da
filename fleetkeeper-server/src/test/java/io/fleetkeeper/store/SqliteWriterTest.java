package io.fleetkeeper.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * Writes made outside a transaction on the embedded store queue on the writer lock that transactions hold, and
 * reads do not: checked on a real SQLite file with a writer lock held by the test.
 */
class SqliteWriterTest {

    @TempDir
    Path dir;

    @Test
    void anAutoCommitWriteWaitsForTheWriterLockAndAReadDoesNot() throws Exception {
        SqliteWriter writer = new SqliteWriter();
        SQLiteDataSource raw = new SQLiteDataSource();
        raw.setUrl("jdbc:sqlite:" + Files.createDirectories(dir).resolve("w.db"));
        DataSource guarded = writer.guard(raw);
        try (Connection c = guarded.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (x INTEGER)");
        }
        writer.lock().lock(); // as a transaction on another thread would
        CompletableFuture<Integer> write;
        try {
            write = CompletableFuture.supplyAsync(() -> {
                try (Connection c = guarded.getConnection();
                        PreparedStatement ps = c.prepareStatement("  /* note */ INSERT INTO t VALUES (?)")) {
                    ps.setInt(1, 7);
                    return ps.executeUpdate();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            try (Connection c = guarded.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM t"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as("a read runs beside the held lock").isZero();
            }
            io.fleetkeeper.testing.Await.until(java.time.Duration.ofSeconds(10), "the write queued on the lock",
                    () -> writer.lock().hasQueuedThreads());
            assertThat(write).isNotDone();
        } finally {
            writer.lock().unlock();
        }
        assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void onlyAnAutoCommitWriteIsWrappedAReadOrAStatementInATransactionIsNot() throws Exception {
        SqliteWriter writer = new SqliteWriter();
        SQLiteDataSource raw = new SQLiteDataSource();
        raw.setUrl("jdbc:sqlite:" + Files.createDirectories(dir).resolve("u.db"));
        try (Connection c = writer.guard(raw).getConnection()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (x INTEGER)");
            }
            try (PreparedStatement write = c.prepareStatement("INSERT INTO t VALUES (?)");
                    PreparedStatement read = c.prepareStatement("SELECT count(*) FROM t")) {
                assertThat(Proxy.isProxyClass(write.getClass())).as("an auto-commit write").isTrue();
                assertThat(Proxy.isProxyClass(read.getClass())).as("a read").isFalse();
            }
            c.setAutoCommit(false);
            writer.lock().lock(); // as the transaction manager does before BEGIN
            try (PreparedStatement write = c.prepareStatement("INSERT INTO t VALUES (?)")) {
                assertThat(Proxy.isProxyClass(write.getClass())).as("a write in a transaction").isFalse();
                write.setInt(1, 1);
                assertThat(write.executeUpdate()).isEqualTo(1);
                c.commit();
            } finally {
                writer.lock().unlock();
            }
        }
    }

    @Test
    void writesAreToldFromReadsByTheirFirstKeyword() {
        assertThat(SqliteWriter.isWrite("insert into t values (1)")).isTrue();
        assertThat(SqliteWriter.isWrite("\n  -- c\n UPDATE t SET x = 1")).isTrue();
        assertThat(SqliteWriter.isWrite("/* x */ DELETE FROM t")).isTrue();
        assertThat(SqliteWriter.isWrite("SELECT * FROM t")).isFalse();
        assertThat(SqliteWriter.isWrite("PRAGMA journal_mode")).isFalse();
        assertThat(SqliteWriter.isWrite("")).isFalse();
    }
}
