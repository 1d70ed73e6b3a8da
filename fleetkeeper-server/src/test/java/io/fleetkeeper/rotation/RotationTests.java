package io.fleetkeeper.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.pki.PkiLifecycle;
import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Registry-driven certificate rotation end to end, with the application clock moved by the test: the lifecycle
 * worker issues a successor when a certificate enters its renewal window, the device gets it over MQTT (HiveMQ's
 * client) or the HTTPS device listener, confirms it by connecting with it or by accepting it, the old certificate
 * lasts for the overlap and is then refused; a job rotates a fleet; a slot rolls back inside the overlap only.
 * A Spring context of its own: the rotation windows need an application clock the test moves (days), which the
 * shared HTTP test context cannot freeze for every other test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + RotationTests.PLATFORM_TOKEN, "fleetkeeper.mqtt.port=0",
        "fleetkeeper.pki.scheduler-delay-ms=3600000", "fleetkeeper.jobs.tick-interval=200ms"})
class RotationTests {

    static final String PLATFORM_TOKEN = "fk_test-platform-operator-rotation-0123456789abcdef";
    static final MutableClock CLOCK = new MutableClock(Instant.now());
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TestConfiguration
    static class Clocks {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-rotation").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired
    MqttEndpoint endpoint;
    @Autowired
    DeviceListener listener;
    @Autowired
    PkiLifecycle lifecycle;
    @LocalServerPort
    int port;

    Api api;
    TestTenant tenant;
    MqttDevices devices;

    @BeforeEach
    void tenant() throws Exception {
        api = new Api(port);
        tenant = newTenant();
        devices = new MqttDevices(api);
        devices.cas(tenant);
    }

    @Test
    void aCertificateInItsRenewalWindowIsRotatedOverMqttAndTheOldOneIsRefusedAfterTheOverlap() throws Exception {
        policy(tenant, true);
        CertDevice old = devices.certDevice(tenant, "meter");
        String ns = "fk/" + old.id() + "/";
        String slot = "/api/v1/devices/" + old.id() + "/slots/identity";
        Mqtt5BlockingClient c = connect(old);
        JsonNode delivered;
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "certificates/#").qos(MqttQos.AT_LEAST_ONCE).send();
            lifecycle.tick();
            assertThat(api.get(tenant.admin(), slot).expect(200).path("rotation").isNull()).as("not in its window")
                    .isTrue();

            CLOCK.advance(Duration.ofDays(11)); // 29 days before expiry: the renewal window (30 days)
            lifecycle.tick();
            delivered = next(publishes, ns + "certificates/rotation");
        }
        String successorId = delivered.path("certificate_id").asString();
        List<X509Certificate> chain = TlsClient.parse(delivered.path("chain_pem").asString());
        assertThat(chain.get(0).getPublicKey()).as("same key").isEqualTo(old.chain()[0].getPublicKey());
        assertThat(delivered.path("certificate_pem").asString()).isNotBlank();
        JsonNode pending = api.get(tenant.admin(), slot).expect(200);
        assertThat(pending.path("status").asString()).isEqualTo("RENEWAL_PENDING");
        assertThat(pending.path("window_state").asString()).isEqualTo("RENEWAL_PENDING");
        assertThat(pending.path("pending_successor_id").asString()).isEqualTo(successorId);
        assertThat(pending.path("primary_certificate_id").asString()).isEqualTo(old.certificateId());
        assertThat(pending.path("rotation").path("state").asString()).isEqualTo("PENDING_CONFIRMATION");
        Await.until(Duration.ofSeconds(10), "delivery recorded", () -> !api.get(tenant.admin(), slot).expect(200)
                .path("rotation").path("delivered_at").isNull());
        lifecycle.tick();
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + old.id() + "/certificates").expect(200).path("items"))
                .as("one successor per primary").hasSize(2);
        c.disconnect();

        // The device reconnects with its new certificate: that confirms it.
        CertDevice renewed = successor(old, successorId, chain);
        Mqtt5BlockingClient fresh = connect(renewed);
        JsonNode flipped = api.get(tenant.admin(), slot).expect(200);
        assertThat(flipped.path("primary_certificate_id").asString()).isEqualTo(successorId);
        assertThat(flipped.path("active_version").asInt()).isEqualTo(2);
        assertThat(flipped.path("status").asString()).isEqualTo("ACTIVE");
        assertThat(flipped.path("rotation").path("state").asString()).isEqualTo("CONFIRMED");
        assertThat(flipped.path("pending_successor_id").isNull()).isTrue();
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + old.id()).expect(200).path("identity_status")
                .asString()).isEqualTo("ACTIVE");
        JsonNode renewedEvent = events(old.id(), "RENEWED").get(0);
        assertThat(renewedEvent.path("details").path("confirmed_by").asString()).isEqualTo("connection");
        assertThat(eventTypes(old.id(), "identity")).contains("ROTATION-STARTED", "ROTATION-DELIVERED", "RENEWED",
                "RENEWAL-DUE");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=certificate.rotation_confirm&target_id=" + successorId)
                .expect(200).path("items")).hasSize(1);
        fresh.disconnect();

        Mqtt5BlockingClient stillOld = connect(old); // inside the overlap (24 h)
        stillOld.disconnect();
        CLOCK.advance(Duration.ofHours(25));
        lifecycle.tick();
        assertThatThrownBy(() -> connect(old)).isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        connect(renewed).disconnect();
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + old.certificateId()).expect(200).path("status")
                .asString()).isEqualTo("SUPERSEDED");
    }

    @Test
    void aServerKeyRotationDeliversANewKeyToTheDeviceThatIsThereAndANewOneOnEachDelivery() throws Exception {
        policy(tenant, true, "OTHER_KEY").expectProblem(400, "VALIDATION_FAILED");
        policy(tenant, true, "SERVER_KEY").expect(200);
        CertDevice old = certDevice("camera");
        String ns = "fk/" + old.id() + "/";
        String slot = "/api/v1/devices/" + old.id() + "/slots/identity";
        Mqtt5BlockingClient c = connect(old);
        JsonNode delivered;
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "certificates/rotation").qos(MqttQos.AT_LEAST_ONCE).send();
            CLOCK.advance(Duration.ofDays(11));
            lifecycle.tick();
            delivered = next(publishes, ns + "certificates/rotation");
        }
        c.disconnect();
        CertDevice first = withServerKey(old, delivered);
        assertThat(first.chain()[0].getPublicKey()).as("a new key").isNotEqualTo(old.chain()[0].getPublicKey());
        JsonNode pending = api.get(tenant.admin(), slot).expect(200);
        assertThat(pending.path("pending_successor_id").asString()).isEqualTo(first.certificateId());
        assertThat(pending.path("rotation").path("delivered_at").isNull()).isFalse();
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + first.certificateId()).expect(200).toString())
                .doesNotContain("PRIVATE KEY");

        // Asking again (the device lost the message) issues another successor for another key; the first is out.
        JsonNode again = new DevicePort(api, listener.port(), old.key(), old.chain())
                .call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(200);
        CertDevice second = withServerKey(old, again);
        assertThat(second.certificateId()).isNotEqualTo(first.certificateId());
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + first.certificateId()).expect(200)
                .path("rotation_state").asString()).isEqualTo("CANCELED");
        assertThatThrownBy(() -> connect(first)).isInstanceOf(Mqtt5ConnAckException.class);
        connect(second).disconnect();
        JsonNode flipped = api.get(tenant.admin(), slot).expect(200);
        assertThat(flipped.path("primary_certificate_id").asString()).isEqualTo(second.certificateId());
        assertThat(flipped.path("rotation").path("state").asString()).isEqualTo("CONFIRMED");
        new DevicePort(api, listener.port(), second.key(), second.chain())
                .call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(204);
    }

    /** The device as it is after installing a delivered successor with its server-generated key. */
    private static CertDevice withServerKey(CertDevice d, JsonNode delivered) {
        String keyPem = delivered.path("private_key_pem").asString();
        assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----");
        List<X509Certificate> chain = TlsClient.parse(delivered.path("chain_pem").asString());
        KeyPair key = new KeyPair(chain.get(0).getPublicKey(), Pem.privateKey(keyPem, "key"));
        return new CertDevice(d.tenant(), d.id(), key, chain.toArray(X509Certificate[]::new),
                delivered.path("certificate_id").asString(), null, null, null);
    }

    @Test
    void withoutAutomaticRotationTheWindowOnlyAnnouncesAndTheDeviceListenerDeliversAnOperatorsRotation() {
        policy(tenant, false);
        CertDevice old = certDevice("gauge");
        CLOCK.advance(Duration.ofDays(11));
        lifecycle.tick();
        DevicePort device = new DevicePort(api, listener.port(), old.key(), old.chain());
        device.call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(204);
        assertThat(eventTypes(old.id(), null)).contains("RENEWAL-DUE").doesNotContain("ROTATION-STARTED");

        JsonNode slot = api.post(tenant.admin(), "/api/v1/devices/" + old.id() + "/slots/identity/rotate", Map.of())
                .expect(200);
        String successorId = slot.path("pending_successor_id").asString();
        JsonNode pending = device.call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(200);
        assertThat(pending.path("certificate_id").asString()).isEqualTo(successorId);
        assertThat(TlsClient.parse(pending.path("chain_pem").asString())).hasSizeGreaterThanOrEqualTo(2);
        device.post("/device/v1/certificates/rotation/accept", Map.of(), Map.of("certificate_id", "nope"))
                .expectProblem(400, "VALIDATION_FAILED");
        device.post("/device/v1/certificates/rotation/accept", Map.of(),
                Map.of("certificate_id", old.certificateId())).expectProblem(409, "INVALID_TRANSITION");
        JsonNode accepted = device.post("/device/v1/certificates/rotation/accept", Map.of(),
                Map.of("certificate_id", successorId)).expect(200);
        assertThat(accepted.path("primary").asBoolean()).isTrue();
        assertThat(accepted.path("rotation_state").asString()).isEqualTo("CONFIRMED");
        device.post("/device/v1/certificates/rotation/accept", Map.of(), Map.of("certificate_id", successorId))
                .expect(200); // answered again as it is
        device.call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(204);
        assertThat(events(old.id(), "RENEWED").get(0).path("details").path("confirmed_by").asString())
                .isEqualTo("acknowledgement");

        CLOCK.advance(Duration.ofHours(25));
        lifecycle.tick();
        device.call("GET", "/device/v1/certificates/rotation", Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
        CertDevice renewed = successor(old, successorId, TlsClient.parse(pending.path("chain_pem").asString()));
        new DevicePort(api, listener.port(), renewed.key(), renewed.chain())
                .call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(204);
    }

    @Test
    void aDeviceRejectsItsSuccessorOverMqttAndTheSuccessorIsWithdrawn() throws Exception {
        policy(tenant, false);
        CertDevice d = certDevice("valve");
        String ns = "fk/" + d.id() + "/";
        JsonNode slot = api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/slots/identity/rotate", Map.of())
                .expect(200);
        String successorId = slot.path("pending_successor_id").asString();
        Mqtt5BlockingClient c = connect(d);
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(ns + "certificates/rotation/#").qos(MqttQos.AT_LEAST_ONCE).send();
            c.subscribeWith().topicFilter(ns + "certificates/rotation").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(next(publishes, ns + "certificates/rotation").path("certificate_id").asString())
                    .as("sent when the device subscribes").isEqualTo(successorId);
            c.publishWith().topic(ns + "certificates/rotation/accepted").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{}".getBytes()).send();
            assertThat(next(publishes, ns + "certificates/rotation/errors").path("code").asString())
                    .isEqualTo("VALIDATION_FAILED");
            c.publishWith().topic(ns + "certificates/rotation/rejected").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"certificate_id\":\"" + successorId + "\",\"reason\":\"no room\"}").getBytes()).send();
        }
        Await.until(Duration.ofSeconds(10), "successor rejected", () -> api.get(tenant.admin(),
                "/api/v1/certificates/" + successorId).expect(200).path("rotation_state").asString().equals("REJECTED"));
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + successorId).expect(200).path("status")
                .asString()).isEqualTo("SUPERSEDED");
        JsonNode after = api.get(tenant.admin(), "/api/v1/devices/" + d.id() + "/slots/identity").expect(200);
        assertThat(after.path("primary_certificate_id").asString()).isEqualTo(d.certificateId());
        assertThat(after.path("rotation").path("state").asString()).isEqualTo("REJECTED");
        assertThat(eventTypes(d.id(), "identity")).contains("ROTATION-REJECTED");
        c.disconnect();
    }

    @Test
    void aRotateCertificateJobRotatesEveryDeviceOfItsTarget() throws Exception {
        policy(tenant, false);
        String type = "rotor" + System.nanoTime();
        List<CertDevice> fleet = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "r" + i, "device_type", type))
                    .expect(201).path("id").asString();
            fleet.add(devices.certificateFor(tenant, id));
        }
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("target", Map.of("query", "type = \"" + type + "\""));
        job.put("operation", Map.of("type", "rotate_certificate"));
        String jobId = api.post(tenant.admin(), "/api/v1/jobs", job).expect(201).path("id").asString();
        JsonNode executions = Await.until(Duration.ofSeconds(30), "three executions ended", () -> api.get(
                tenant.admin(), "/api/v1/jobs/" + jobId + "/executions").expect(200).path("items"),
                items -> items.size() == 3 && items.valueStream().noneMatch(e -> e.path("status").asString()
                        .matches("QUEUED|IN_PROGRESS")));
        for (JsonNode e : executions) {
            assertThat(e.path("status").asString()).as("%s", e).isEqualTo("SUCCEEDED");
            JsonNode slot = api.get(tenant.admin(), "/api/v1/devices/" + e.path("device_id").asString()
                    + "/slots/identity").expect(200);
            assertThat(e.path("details").path("certificate_id").asString())
                    .isEqualTo(slot.path("pending_successor_id").asString());
            assertThat(slot.path("rotation").path("state").asString()).isEqualTo("PENDING_CONFIRMATION");
        }
        CertDevice first = fleet.get(0);
        JsonNode pending = new DevicePort(api, listener.port(), first.key(), first.chain())
                .call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(200);
        CertDevice renewed = successor(first, pending.path("certificate_id").asString(),
                TlsClient.parse(pending.path("chain_pem").asString()));
        new DevicePort(api, listener.port(), renewed.key(), renewed.chain())
                .call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(204);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + first.id() + "/slots/identity").expect(200)
                .path("rotation").path("state").asString()).isEqualTo("CONFIRMED");
    }

    @Test
    void aSlotRollsBackInsideTheOverlapOnly() {
        policy(tenant, false);
        CertDevice d = certDevice("pump");
        String slotPath = "/api/v1/devices/" + d.id() + "/slots/identity";
        String v2 = rotateAndAccept(d);
        api.call("POST", slotPath + "/rollback").token(tenant.admin()).header("If-Match", "\"1\"").send()
                .expectProblem(412, "PRECONDITION_FAILED");
        api.call("POST", slotPath + "/rollback").token(token("viewer")).send().expectProblem(403, "FORBIDDEN");
        TestTenant other = newTenant();
        api.call("POST", slotPath + "/rollback").token(other.admin()).send().expectProblem(404, "NOT_FOUND");

        JsonNode rolled = api.call("POST", slotPath + "/rollback").token(tenant.admin()).header("If-Match", "\"2\"")
                .send().expect(200);
        assertThat(rolled.path("active_version").asInt()).isEqualTo(1);
        assertThat(rolled.path("primary_certificate_id").asString()).isEqualTo(d.certificateId());
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + v2).expect(200).path("status").asString())
                .isEqualTo("SUPERSEDED");
        assertThat(eventTypes(d.id(), "identity")).contains("ROTATION-ROLLED-BACK");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=certificate.rollback").expect(200).path("items"))
                .hasSize(1);
        new DevicePort(api, listener.port(), d.key(), d.chain())
                .call("GET", "/device/v1/certificates/rotation", Map.of(), null).expect(204);
        CLOCK.advance(Duration.ofHours(48));
        lifecycle.tick();
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + d.certificateId()).expect(200).path("status")
                .asString()).as("restored: no overlap end").isEqualTo("ACTIVE");

        rotateAndAccept(d);
        CLOCK.advance(Duration.ofHours(25));
        lifecycle.tick();
        api.call("POST", slotPath + "/rollback").token(tenant.admin()).send()
                .expectProblem(409, "ROLLBACK_NOT_POSSIBLE");
        api.call("POST", "/api/v1/devices/" + d.id() + "/slots/nothing-here/rollback").token(tenant.admin()).send()
                .expectProblem(404, "NOT_FOUND");
    }

    /** Rotates the identity slot by the operator's API and accepts the successor on the device listener. */
    private String rotateAndAccept(CertDevice d) {
        String id = api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/slots/identity/rotate", Map.of())
                .expect(200).path("pending_successor_id").asString();
        new DevicePort(api, listener.port(), d.key(), d.chain())
                .post("/device/v1/certificates/rotation/accept", Map.of(), Map.of("certificate_id", id)).expect(200);
        return id;
    }

    private CertDevice certDevice(String name) {
        try {
            return devices.certDevice(tenant, name);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CertDevice successor(CertDevice d, String certificateId, List<X509Certificate> chain) {
        return new CertDevice(d.tenant(), d.id(), d.key(), chain.toArray(X509Certificate[]::new), certificateId,
                null, null, null);
    }

    private void policy(TestTenant t, boolean autoRotate) {
        policy(t, autoRotate, "SAME_KEY").expect(200);
    }

    private Reply policy(TestTenant t, boolean autoRotate, String rotationKey) {
        return api.call("PUT", "/api/v1/pki/policy").token(t.admin()).body(Map.of("renewal_window_days", 30,
                "critical_window_days", 7, "overlap_hours", 24, "device_validity_days", 40, "auto_rotate", autoRotate,
                "rotation_key", rotationKey)).send();
    }

    private Mqtt5BlockingClient connect(CertDevice d) throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().keyManagerFactory(d.keyManagers())
                .trustManagerFactory(devices.trustManagers()).applySslConfig().buildBlocking();
        c.connect();
        return c;
    }

    private List<JsonNode> events(String deviceId, String type) {
        List<JsonNode> out = new ArrayList<>();
        api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/events?type=" + type).expect(200).path("items")
                .forEach(out::add);
        return out;
    }

    private List<String> eventTypes(String deviceId, String slot) {
        return api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/events?limit=100"
                + (slot == null ? "" : "&slot=" + slot)).expect(200).path("items").valueStream()
                .map(e -> e.path("type").asString()).toList();
    }

    private TestTenant newTenant() {
        return TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
    }

    private String token(String role) {
        return api.post(tenant.admin(), "/api/v1/tokens", Map.of("name", role, "role", role)).expect(201)
                .path("token").asString();
    }

    /** The next message on {@code topic} (others are skipped), within 10 s. */
    private static JsonNode next(Mqtt5BlockingClient.Mqtt5Publishes publishes, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Optional<Mqtt5Publish> p = publishes.receive(200, TimeUnit.MILLISECONDS);
            if (p.isPresent() && p.get().getTopic().toString().equals(topic)) {
                return JSON.readTree(p.get().getPayloadAsBytes());
            }
        }
        throw new AssertionError("nothing on " + topic + " within 10 s");
    }
}
