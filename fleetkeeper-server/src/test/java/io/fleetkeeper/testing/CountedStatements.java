package io.fleetkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * SQL statements per request, counted at the JDBC driver (every statement execution, a batch counted once) on the
 * thread serving a request that carries {@value #HEADER}, from the first filter on. A test imports
 * {@link Config} and sends the request inside {@link #counted}.
 */
public final class CountedStatements {

    public static final String HEADER = "X-Count-Statements";
    private static final ThreadLocal<List<String>> COUNTING = new ThreadLocal<>();
    private static final List<List<String>> REQUESTS = Collections.synchronizedList(new ArrayList<>());

    private CountedStatements() {
    }

    /** The statements of the one counted request that {@code request} sends, in order, whitespace collapsed. */
    public static List<String> counted(Runnable request) {
        REQUESTS.clear();
        request.run();
        assertThat(REQUESTS).as("counted requests").hasSize(1);
        return REQUESTS.getFirst();
    }

    /** Prints the statements under {@code what}, so a failing bound shows which ones came back. */
    public static void print(String what, List<String> statements) {
        System.out.printf("%s: %d statements%n  %s%n", what, statements.size(), String.join("\n  ", statements));
    }

    @TestConfiguration
    public static class Config {

        /** Wraps the pool: statements executed while the current thread serves a counted request are recorded. */
        @Bean
        static BeanPostProcessor countingDataSource() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    return bean instanceof DataSource ds && !(bean instanceof CountingDataSource)
                            ? new CountingDataSource(ds) : bean;
                }
            };
        }

        /** Counts the requests a test marks with {@value #HEADER}, from the first filter on. */
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        OncePerRequestFilter countingFilter() {
            return new OncePerRequestFilter() {
                @Override
                protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                        FilterChain chain) throws ServletException, IOException {
                    if (request.getHeader(HEADER) == null) {
                        chain.doFilter(request, response);
                        return;
                    }
                    List<String> statements = Collections.synchronizedList(new ArrayList<>());
                    COUNTING.set(statements);
                    try {
                        chain.doFilter(request, response);
                    } finally {
                        COUNTING.remove();
                        REQUESTS.add(statements);
                    }
                }
            };
        }
    }

    static final class CountingDataSource extends DelegatingDataSource {

        CountingDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            return counted(super.getConnection());
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return counted(super.getConnection(username, password));
        }

        private static Connection counted(Connection c) {
            return (Connection) Proxy.newProxyInstance(CountedStatements.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                        Object r = call(c, m, args);
                        if (r instanceof Statement s && m.getName().startsWith("prepare")
                                || m.getName().equals("createStatement")) {
                            String sql = args != null && args.length > 0 && args[0] instanceof String q ? q : null;
                            Class<?> type = r instanceof CallableStatement ? CallableStatement.class
                                    : r instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
                            return Proxy.newProxyInstance(CountedStatements.class.getClassLoader(),
                                    new Class<?>[] {type}, counting((Statement) r, sql));
                        }
                        return r;
                    });
        }

        private static InvocationHandler counting(Statement s, String prepared) {
            Set<String> executions = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
                    "executeLargeUpdate", "executeLargeBatch");
            return (proxy, m, args) -> {
                List<String> statements = COUNTING.get();
                if (statements != null && executions.contains(m.getName())) {
                    String sql = args != null && args.length > 0 && args[0] instanceof String q ? q : prepared;
                    statements.add(String.valueOf(sql).replaceAll("\\s+", " ").trim());
                }
                return call(s, m, args);
            };
        }

        private static Object call(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
