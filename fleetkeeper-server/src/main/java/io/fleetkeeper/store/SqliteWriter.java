package io.fleetkeeper.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * The embedded SQLite store's one writer, as a fair Java lock. A transaction takes it before {@code BEGIN
 * IMMEDIATE} ({@link SqliteTransactionManager}); a write made outside any transaction (auto-commit) takes it
 * around its statement ({@link #guard}). Either way a writer waits here, where a waiting virtual thread parks and
 * frees its carrier, and never in SQLite's busy handler, where it would pin the carrier: with as many waiters
 * there as carriers, the lock holder could not run to commit and the server stalled (seen with background workers
 * on a 2-core machine). Reads are not queued (WAL mode lets them run beside the writer). A statement is prepared and
 * executed in one piece of work (as Spring's JDBC templates do), so one prepared inside a transaction is executed
 * inside it and is not wrapped.
 */
final class SqliteWriter {

    /** How long an auto-commit write waits for the lock, as SQLite's own busy timeout would. */
    private static final long WAIT_SECONDS = 30;
    private static final Set<String> WRITES = Set.of("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP",
            "ALTER");

    private final ReentrantLock lock = new ReentrantLock(true);

    ReentrantLock lock() {
        return lock;
    }

    /** The data source whose connections take the lock around every auto-commit write statement. */
    DataSource guard(DataSource sqlite) {
        return proxy(DataSource.class, sqlite, (target, m, args) -> {
            Object r = call(m, target, args);
            return r instanceof Connection c ? connection(c) : r;
        });
    }

    private Connection connection(Connection c) {
        return proxy(Connection.class, c, (target, m, args) -> {
            Object r = call(m, target, args);
            if (r instanceof PreparedStatement ps && args != null && args.length > 0 && args[0] instanceof String sql) {
                // A read, or a statement prepared inside a transaction (whose writer holds the lock already), never
                // waits here: it goes back unwrapped, without a reflective call per parameter and result.
                return isWrite(sql) && c.getAutoCommit() ? statement(PreparedStatement.class, ps, c, sql) : ps;
            }
            if (r instanceof Statement s && !(r instanceof PreparedStatement)) {
                return statement(Statement.class, s, c, null);
            }
            return r;
        });
    }

    /** {@code sql}: the prepared statement's text; null for a plain statement, whose text comes with execute. */
    private <S extends Statement> S statement(Class<S> type, S s, Connection c, String sql) {
        return proxy(type, s, (target, m, args) -> {
            if (!m.getName().startsWith("execute")) {
                return call(m, target, args);
            }
            String text = sql != null ? sql : args != null && args.length > 0 && args[0] instanceof String t ? t
                    : null;
            boolean write = text == null ? m.getName().contains("Batch") : isWrite(text);
            if (!write || !c.getAutoCommit()) {
                return call(m, target, args);
            }
            try {
                if (!lock.tryLock(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new SQLException("the database is busy: no write slot within " + WAIT_SECONDS + " s",
                            null, 5);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting to write", e);
            }
            try {
                return call(m, target, args);
            } finally {
                lock.unlock();
            }
        });
    }

    /** Whether the statement's first keyword changes the database. */
    static boolean isWrite(String sql) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char ch = sql.charAt(i);
            if (Character.isWhitespace(ch) || ch == '(') {
                i++;
            } else if (sql.startsWith("--", i)) {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else {
                break;
            }
        }
        int j = i;
        while (j < n && Character.isLetter(sql.charAt(j))) {
            j++;
        }
        return WRITES.contains(sql.substring(i, j).toUpperCase(Locale.ROOT));
    }

    private interface Handler<T> {
        Object invoke(T target, Method m, Object[] args) throws Throwable;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, Handler<T> handler) {
        InvocationHandler h = (p, m, args) -> switch (m.getName()) {
            case "equals" -> args[0] == p;
            case "hashCode" -> System.identityHashCode(p);
            case "toString" -> "guarded " + target;
            default -> handler.invoke(target, m, args);
        };
        return (T) Proxy.newProxyInstance(SqliteWriter.class.getClassLoader(), new Class<?>[] {type}, h);
    }

    private static Object call(Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
