package io.fleetkeeper.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Base of every HTTP test. All subclasses share this one configuration, hence one cached Spring context
 * and one server on a random port, backed by SQLite in a fresh temporary directory. Tests isolate
 * themselves by creating their own tenant ({@link #newTenant()}), never by sharing fixtures. Loopback
 * (127.0.0.1) is a trusted proxy of the device listener; requests that forward no client certificate are
 * unaffected by it. Connections from {@link #PROXY_ADDRESS} must start with a PROXY protocol header.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + ApiTest.PLATFORM_TOKEN,
        "fleetkeeper.auth.last-used-flush-ms=100",
        "fleetkeeper.blobs.tenant-quota=64MB",
        "fleetkeeper.exports.link-key=" + ApiTest.EXPORT_LINK_KEY,
        "fleetkeeper.exports.public-url=" + ApiTest.EXPORT_PUBLIC_URL,
        "fleetkeeper.device-api.trusted-proxies=10.1.2.3/32,127.0.0.1",
        "fleetkeeper.device-api.proxy-protocol-from=" + ApiTest.PROXY_ADDRESS,
        "fleetkeeper.mqtt.proxy-protocol-from=" + ApiTest.PROXY_ADDRESS,
        "fleetkeeper.jobs.runner-enabled=false",
        "fleetkeeper.events.allowed-private-networks=127.0.0.1/32",
        "fleetkeeper.events.delivery-enabled=false",
        "fleetkeeper.events.stream-heartbeat=1s",
        "fleetkeeper.console.refresh-interval=500ms",
        "fleetkeeper.api.cors-origins=" + ApiTest.CORS_ORIGIN,
        "fleetkeeper.alerts.enabled=false",
        "fleetkeeper.carrier.poll-interval=300ms",
        "fleetkeeper.carrier.request-timeout=1s",
        "fleetkeeper.mqtt.internal-auth-secret=" + ApiTest.INTERNAL_AUTH_SECRET})
public abstract class ApiTest {

    /**
     * The address a TCP load balancer connects from: connections from it start with a PROXY protocol header, on the
     * device listener and the MQTT endpoint (tests bind their socket to it; everything else comes from 127.0.0.1).
     */
    protected static final String PROXY_ADDRESS = "127.0.0.5";

    /** The platform operator token the server installs on its first start. */
    protected static final String PLATFORM_TOKEN = "fk_test-platform-operator-0123456789abcdefghijklmn";

    /** The one origin whose browser scripts may call the API (CORS). */
    protected static final String CORS_ORIGIN = "https://ops.example.test";

    /** The shared secret of the external-broker hooks ({@code X-Internal-Auth}). */
    protected static final String INTERNAL_AUTH_SECRET = "test-internal-auth-secret-0123456789";

    /** The key signing export download links, so tests can forge an expired but well-signed link. */
    protected static final String EXPORT_LINK_KEY = "test-export-link-key-0123456789abcdef";

    /** The address the links a scheduled export sends to its channel start with. */
    protected static final String EXPORT_PUBLIC_URL = "https://fleet.example.test";

    private static final Path DATA_DIR;

    static {
        try {
            DATA_DIR = Files.createTempDirectory("fleetkeeper-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(ApiTest::deleteDataDir));
    }

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry registry) {
        registry.add("fleetkeeper.db.data-dir", DATA_DIR::toString);
        // the machine's PostgreSQL as an operator-defined route destination (used only when a test routes to it)
        registry.add("fleetkeeper.events.postgres-connections.machine.url", () -> TestPostgres.URL);
        registry.add("fleetkeeper.events.postgres-connections.machine.username", () -> TestPostgres.USER);
        registry.add("fleetkeeper.events.postgres-connections.machine.password", () -> "");
        // a local OpenID Connect provider for the console's sign-in (and JWT bearer tokens)
        registry.add("fleetkeeper.auth.oidc.issuer-uri", () -> OidcProvider.shared().issuer());
        registry.add("fleetkeeper.auth.oidc.client-id", () -> OidcProvider.CLIENT_ID);
    }

    @LocalServerPort
    private int port;

    protected Api api;

    @BeforeEach
    void connect() {
        api = new Api(port);
    }

    protected static String randomName(String prefix) {
        return prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    protected TestTenant newTenant() {
        return TestTenant.create(api, PLATFORM_TOKEN, randomName("t-"));
    }

    /** A new token of {@code role} (admin, operator, viewer) in the tenant; returns the secret. */
    protected String token(TestTenant tenant, String role) {
        return api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", role + " token", "role", role))
                .expect(201).path("token").asString();
    }

    /** The writable fields of a valid device named {@code name}; add to the map to vary it. */
    protected static Map<String, Object> device(String name) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", name);
        d.put("device_type", "sensor");
        return d;
    }

    protected JsonNode createDevice(String token, Map<String, Object> fields) {
        return api.post(token, "/api/v1/devices", fields).expect(201);
    }

    protected JsonNode createSite(String token, String name) {
        return api.post(token, "/api/v1/sites", Map.of("name", name)).expect(201);
    }

    protected JsonNode createType(String token, String name, String... requiredMetadata) {
        return api.post(token, "/api/v1/device-types",
                Map.of("name", name, "required_metadata", List.of(requiredMetadata))).expect(201);
    }

    protected JsonNode stats(String token) {
        return api.get(token, "/api/v1/stats/devices").expect(200);
    }

    /** The ids of {@code items} in a list response, in order. */
    protected static List<String> ids(JsonNode page) {
        return page.path("items").valueStream().map(n -> n.path("id").asString()).toList();
    }

    private static void deleteDataDir() {
        try (Stream<Path> files = Files.walk(DATA_DIR)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: the directory is under the system temp directory
        }
    }
}
