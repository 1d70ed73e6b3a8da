package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Credential;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * SQL statements per certificate issuance, counted at the JDBC driver (every statement execution, a batch counted
 * once) on the thread serving the request, through the real interfaces: the management API
 * ({@code POST /api/v1/devices/{id}/certificates}, a device's first certificate) and EST {@code simplereenroll}
 * over mutual TLS on the device listener (a device renewing, its credential already cached, as in the
 * {@code pki} benchmark). The bounds keep the statement count from creeping back up; the statements are printed
 * so a failure shows which ones came back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + IssuanceStatementsTest.PLATFORM_TOKEN,
        "fleetkeeper.mqtt.port=-1", "fleetkeeper.jobs.runner-enabled=false",
        "fleetkeeper.events.delivery-enabled=false", "fleetkeeper.alerts.enabled=false"})
class IssuanceStatementsTest {

    static final String PLATFORM_TOKEN = "fk_test-platform-operator-issuance-statements-01234";
    private static final String HEADER = "X-Count-Statements";
    private static final ThreadLocal<List<String>> COUNTING = new ThreadLocal<>();
    private static final List<List<String>> REQUESTS = Collections.synchronizedList(new ArrayList<>());

    @TestConfiguration
    static class Counting {

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
            return (Connection) Proxy.newProxyInstance(IssuanceStatementsTest.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                        Object r = call(c, m, args);
                        if (r instanceof Statement s && m.getName().startsWith("prepare")
                                || m.getName().equals("createStatement")) {
                            String sql = args != null && args.length > 0 && args[0] instanceof String q ? q : null;
                            Class<?> type = r instanceof CallableStatement ? CallableStatement.class
                                    : r instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
                            return Proxy.newProxyInstance(IssuanceStatementsTest.class.getClassLoader(),
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

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-issuance-statements").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired
    DeviceListener listener;
    @LocalServerPort
    int port;

    Api api;
    TestTenant tenant;
    MqttDevices devices;

    @BeforeEach
    void tenantWithCas() throws Exception {
        api = new Api(port);
        tenant = TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
        devices = new MqttDevices(api);
        devices.cas(tenant);
    }

    @Test
    void aFirstIssuanceThroughTheManagementApi() {
        String deviceId = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "m", "device_type", "meter"))
                .expect(201).path("id").asString();
        // A warm-up issuance of another device, so lazily read settings are not counted.
        String warm = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "w", "device_type", "meter"))
                .expect(201).path("id").asString();
        api.post(tenant.admin(), "/api/v1/devices/" + warm + "/certificates", Map.of("csr",
                Csrs.csrPem(Csrs.p256()))).expect(201);

        List<String> statements = counted(() -> api.call("POST", "/api/v1/devices/" + deviceId + "/certificates")
                .token(tenant.admin()).header(HEADER, "1").body(Map.of("csr", Csrs.csrPem(Csrs.p256()))).send()
                .expect(201));

        System.out.printf("first issuance, management API: %d statements%n  %s%n", statements.size(),
                String.join("\n  ", statements));
        assertThat(statements).as("statements of a first issuance").hasSizeLessThanOrEqualTo(16);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId).expect(200).path("identity_status")
                .asString()).isEqualTo("ACTIVE");
    }

    @Test
    void aRenewalThroughEst() throws Exception {
        CertDevice device = devices.certDevice(tenant, "meter");
        TlsClient est = new TlsClient(api, listener.port());
        Credential credential = new Credential(device.key(), device.chain());
        // Warm-up: the first request authenticates from the store and caches the credential, as a kept-alive
        // device connection of the benchmark does once.
        assertThat(est.post("/.well-known/est/simplereenroll", "application/pkcs10",
                TlsClient.estBody(Csrs.csr(Csrs.p256(), "x", false)), credential).status()).isEqualTo(200);

        List<String> statements = counted(() -> {
            Reply r = est.post("/.well-known/est/simplereenroll", "application/pkcs10",
                    TlsClient.estBody(Csrs.csr(Csrs.p256(), "x", false)), credential, Map.of(HEADER, "1"));
            assertThat(r.status()).isEqualTo(200);
        });

        System.out.printf("renewal, EST simplereenroll: %d statements%n  %s%n", statements.size(),
                String.join("\n  ", statements));
        assertThat(statements).as("statements of an EST renewal").hasSizeLessThanOrEqualTo(16);
    }

    private static List<String> counted(Runnable request) {
        REQUESTS.clear();
        request.run();
        assertThat(REQUESTS).as("counted requests").hasSize(1);
        return REQUESTS.getFirst();
    }
}
