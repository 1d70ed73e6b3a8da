package io.fleetkeeper.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Provisioning keys, device keys and claim tokens, end to end over the device listener's TLS. */
class ProvisioningApiTests extends ApiTest {

    @Autowired
    DeviceListener listener;
    DevicePort device;

    @BeforeEach
    void devicePort() {
        device = new DevicePort(api, listener.port());
    }

    String provisioningKey(TestTenant t, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("label", "plant A"));
        body.putAll(extra);
        JsonNode k = api.post(t.admin(), "/api/v1/provisioning-keys", body).expect(201);
        assertThat(k.path("key").asString()).startsWith("fkp_").hasSizeGreaterThan(46);
        return k.path("key").asString();
    }

    Reply register(String key, Object body) {
        return device.post("/device/v1/register", key == null ? Map.of() : Map.of("X-Provisioning-Key", key), body);
    }

    static Map<String, Object> edge(String name) {
        return Map.of("name", name, "type", "network-sensor", "location", "Building A, Floor 2");
    }

    @Test
    void aDeviceRegistersWithAProvisioningKeyAndUsesItsDeviceKey() {
        TestTenant t = newTenant();
        String key = provisioningKey(t, Map.of());
        JsonNode reg = register(key, edge("edge-plant-01")).expect(201);
        String id = reg.path("device_id").asString();
        String deviceKey = reg.path("device_key").asString();
        assertThat(deviceKey).startsWith("dvc_").hasSizeGreaterThanOrEqualTo(4 + 43);
        assertThat(reg.path("tenant_id").asString()).isEqualTo(t.id());

        JsonNode d = api.get(t.admin(), "/api/v1/devices/" + id).expect(200);
        assertThat(d.path("device_type").asString()).isEqualTo("network-sensor");
        assertThat(d.path("metadata").path("location").asString()).isEqualTo("Building A, Floor 2");
        assertThat(d.path("status").asString()).isEqualTo("active");
        assertThat(api.get(t.admin(), "/api/v1/devices/" + id + "/events").expect(200).path("items").valueStream()
                .map(e -> e.path("type").asString())).contains("PROVISIONED", "CREATED");
        JsonNode keyView = api.get(t.admin(), "/api/v1/provisioning-keys").expect(200).path("items").get(0);
        assertThat(keyView.path("devices_count").asInt()).isEqualTo(1);
        assertThat(keyView.has("key")).as("the secret is never listed").isFalse();
        assertThat(api.get(t.admin(), "/api/v1/provisioning-keys/" + keyView.path("id").asString() + "/devices")
                .expect(200).path("items").get(0).asString()).isEqualTo(id);
        assertThat(api.get(t.admin(), "/api/v1/devices/" + id + "/provenance").expect(200).path("method").asString())
                .isEqualTo("provisioning_key");

        // The device rotates its own key: the old one fails at once, the new one works.
        JsonNode rotated = device.post("/device/v1/device-key/rotate", Map.of("X-Device-Key", deviceKey), "{}")
                .expect(200);
        String second = rotated.path("device_key").asString();
        device.post("/device/v1/device-key/rotate", Map.of("X-Device-Key", deviceKey), "{}")
                .expectProblem(401, "UNAUTHENTICATED");
        // The operator rotates it again.
        String third = api.post(t.admin(), "/api/v1/devices/" + id + "/device-key/rotate", null).expect(200)
                .path("device_key").asString();
        device.post("/device/v1/device-key/rotate", Map.of("X-Device-Key", second), "{}")
                .expectProblem(401, "UNAUTHENTICATED");
        device.post("/device/v1/device-key/rotate", Map.of("X-Device-Key", third), "{}").expect(200);
        // Suspended devices are refused.
        api.post(t.admin(), "/api/v1/devices/" + id + "/suspend", null).expect(200);
        device.post("/device/v1/device-key/rotate", Map.of("X-Device-Key", third), "{}")
                .expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void seed001PathAnswersOnTheManagementPortToo() {
        TestTenant t = newTenant();
        String key = provisioningKey(t, Map.of());
        JsonNode reg = api.call("POST", "/api/v1/devices/register").header("X-Provisioning-Key", key)
                .body(edge("edge-2")).send().expect(201);
        assertThat(reg.path("device_key").asString()).startsWith("dvc_");
    }

    @Test
    void badKeysAreRefusedAlikeAndCreateNothing() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        String revoked = provisioningKey(t, Map.of());
        String revokedId = api.get(t.admin(), "/api/v1/provisioning-keys").expect(200)
                .path("items").get(0).path("id").asString();
        api.post(t.admin(), "/api/v1/provisioning-keys/" + revokedId + "/revoke", null).expect(200);
        String single = provisioningKey(t, Map.of("max_devices", 1));
        register(single, edge("first")).expect(201);
        String typed = provisioningKey(t, Map.of("device_type", "gateway"));

        register(null, edge("x")).expectProblem(401, "UNAUTHENTICATED");
        register("fkp_wrong-wrong-wrong-wrong-wrong-wrong-wrong-wr", edge("x")).expectProblem(401, "UNAUTHENTICATED");
        register(revoked, edge("x")).expectProblem(401, "UNAUTHENTICATED");
        register(single, edge("x")).expectProblem(401, "UNAUTHENTICATED");
        register(typed, edge("x")).expectProblem(400, "VALIDATION_FAILED");
        register(typed, Map.of("name", "")).expectProblem(400, "VALIDATION_FAILED");
        register(typed, "{\"name\":\"x\",\"tenant_id\":\"" + other.id() + "\"}").expectProblem(400, "READ_ONLY_FIELD");
        register(typed, "{\"name\":\"" + "x".repeat(1_100_000) + "\"}").expectProblem(413, "PAYLOAD_TOO_LARGE");
        assertThat(stats(t.admin()).path("total").asLong()).isEqualTo(1);
        // A registration with another tenant's key lands in that tenant, never in this one.
        String otherKey = provisioningKey(other, Map.of());
        assertThat(register(otherKey, edge("y")).expect(201).path("tenant_id").asString()).isEqualTo(other.id());
        assertThat(stats(t.admin()).path("total").asLong()).isEqualTo(1);
        assertThat(api.get(t.admin(), "/api/v1/audit?action=device.register.rejected").expect(200).path("items")
                .size()).isGreaterThanOrEqualTo(3);
        String audit = api.call("GET", "/api/v1/audit").token(t.admin()).send().body();
        assertThat(audit).doesNotContain(revoked).doesNotContain(single);
    }

    @Test
    void aSuspendedTenantProvisionsNothing() {
        TestTenant t = newTenant();
        String key = provisioningKey(t, Map.of());
        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + t.id() + "/suspend", null).expect(200);
        register(key, edge("x")).expectProblem(401, "TENANT_SUSPENDED");
        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + t.id() + "/resume", null).expect(200);
        register(key, edge("x")).expect(201);
        assertThat(stats(t.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void repeatedFailuresWithOneKeyAreRateLimited() {
        String bogus = "fkp_" + randomName("rate-limit-").repeat(3);
        int limited = 0;
        Reply last = null;
        for (int i = 0; i < 12; i++) {
            last = register(bogus, edge("x"));
            if (last.status() == 429) {
                limited++;
            }
        }
        assertThat(limited).isGreaterThan(0);
        last.expectProblem(429, "RATE_LIMITED");
        assertThat(Integer.parseInt(last.header("Retry-After"))).isBetween(1, 60);
    }

    String claimToken(TestTenant t, int maxUses, Instant expires) {
        JsonNode tok = api.post(t.admin(), "/api/v1/claim-tokens", Map.of("label", "installer", "device_type",
                "meter", "max_uses", maxUses, "expires_at", expires.toString(), "default_metadata",
                Map.of("region", "eu-west"))).expect(201);
        assertThat(tok.path("token").asString()).startsWith("fkc_");
        return tok.path("token").asString();
    }

    /**
     * Returns once the system clock, which the server reads too ({@code Clock.systemUTC()}), is past
     * {@code instant}: the condition an expiry test needs, not a guessed delay.
     */
    static void awaitPast(Instant instant) throws InterruptedException {
        for (Instant now = Instant.now(); !now.isAfter(instant); now = Instant.now()) {
            TimeUnit.MILLISECONDS.sleep(Duration.between(now, instant).toMillis() + 1);
        }
    }

    Reply claim(String token, String csrPem, String serial) {
        Map<String, Object> body = new HashMap<>();
        body.put("csr", csrPem);
        if (serial != null) {
            body.put("serial", serial);
        }
        return device.post("/device/v1/claim", token == null ? Map.of() : Map.of("X-Claim-Token", token), body);
    }

    @Test
    void aClaimCreatesTheDeviceAndReturnsItsCertificate() throws Exception {
        TestTenant t = newTenant();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        String root = api.get(t.admin(), "/api/v1/pki/cas").expect(200).path("items").get(0).path("id").asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        String token = claimToken(t, 5, Instant.now().plus(1, ChronoUnit.DAYS));
        JsonNode claimed = claim(token, Csrs.csrPem(Csrs.p256()), "SN-77").expect(201);
        String id = claimed.path("device_id").asString();
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(claimed.path("certificate_pem").asString().getBytes(StandardCharsets.UTF_8)));
        assertThat(cert.getSubjectX500Principal().getName()).contains("CN=" + id);
        assertThat(claimed.path("chain_pem").asString()).contains("BEGIN CERTIFICATE");
        JsonNode d = api.get(t.admin(), "/api/v1/devices/" + id).expect(200);
        assertThat(d.path("serial").asString()).isEqualTo("SN-77");
        assertThat(d.path("metadata").path("region").asString()).isEqualTo("eu-west");
        assertThat(d.path("identity_status").asString()).isEqualTo("ACTIVE");
        assertThat(api.get(t.admin(), "/api/v1/devices/" + id + "/provenance").expect(200).path("method")
                .asString()).isEqualTo("claim_token");

        // A bad CSR gets 400 and consumes nothing.
        byte[] der = Csrs.csr(Csrs.p256(), "x", false).getEncoded();
        der[der.length - 3] ^= 0x11;
        String broken = "-----BEGIN CERTIFICATE REQUEST-----\n" + java.util.Base64.getMimeEncoder()
                .encodeToString(der) + "\n-----END CERTIFICATE REQUEST-----\n";
        claim(token, broken, null).expectProblem(400, "VALIDATION_FAILED");
        claim(token, "garbage", null).expectProblem(400, "VALIDATION_FAILED");
        JsonNode view = api.get(t.admin(), "/api/v1/claim-tokens").expect(200).path("items").get(0);
        assertThat(view.path("uses_count").asInt()).isEqualTo(1);
        assertThat(stats(t.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void unknownExpiredExhaustedAndRevokedTokensGetTheSame401() throws Exception {
        TestTenant t = newTenant();
        Instant expiry = Instant.now().plusMillis(1500);
        String expiring = claimToken(t, 5, expiry);
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        String exhausted = claimToken(t, 1, Instant.now().plus(1, ChronoUnit.DAYS));
        claim(exhausted, Csrs.csrPem(Csrs.p256()), null).expect(201);
        String revoked = claimToken(t, 5, Instant.now().plus(1, ChronoUnit.DAYS));
        String revokedId = api.get(t.admin(), "/api/v1/claim-tokens").expect(200).path("items").valueStream()
                .filter(n -> revoked.startsWith(n.path("prefix").asString())).findFirst().orElseThrow().path("id")
                .asString();
        api.post(t.admin(), "/api/v1/claim-tokens/" + revokedId + "/revoke", null).expect(200);
        awaitPast(expiry);
        Set<String> details = new HashSet<>();
        for (String tok : List.of("fkc_unknown-unknown-unknown-unknown-unknown-unkno", exhausted, revoked, expiring)) {
            details.add(claim(tok, Csrs.csrPem(Csrs.p256()), null).expectProblem(401, "UNAUTHENTICATED")
                    .path("detail").asString());
        }
        assertThat(details).hasSize(1);
        claim(null, Csrs.csrPem(Csrs.p256()), null).expectProblem(401, "UNAUTHENTICATED");
        assertThat(stats(t.admin()).path("total").asLong()).isEqualTo(1);
        api.post(t.admin(), "/api/v1/claim-tokens", Map.of("label", "x", "device_type", "meter", "max_uses", 0,
                "expires_at", Instant.now().minusSeconds(5).toString())).expectProblem(400, "VALIDATION_FAILED");
    }

    @Test
    void fiftyParallelClaimsOnTenUsesCreateExactlyTenDevices() throws Exception {
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        String token = claimToken(t, 10, Instant.now().plus(1, ChronoUnit.DAYS));
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String csr = Csrs.csrPem(Csrs.p256());
            results.add(pool.submit(() -> claim(token, csr, null).status()));
        }
        int created = 0;
        int refused = 0;
        for (Future<Integer> f : results) {
            int status = f.get(120, TimeUnit.SECONDS);
            if (status == 201) {
                created++;
            } else if (status == 401 || status == 429) {
                refused++; // 401 for the exhausted token; 429 once its failures pass the per-token limit
            }
        }
        pool.shutdown();
        assertThat(created).isEqualTo(10);
        assertThat(refused).isEqualTo(40);
        assertThat(stats(t.admin()).path("total").asLong()).isEqualTo(10);
        assertThat(api.get(t.admin(), "/api/v1/claim-tokens").expect(200)
                .path("items").get(0).path("uses_count").asInt())
                .isEqualTo(10);
        String tokenId = api.get(t.admin(), "/api/v1/claim-tokens").expect(200)
                .path("items").get(0).path("id").asString();
        assertThat(api.get(t.admin(), "/api/v1/claim-tokens/" + tokenId + "/devices").expect(200)
                .path("items")).hasSize(10);
        long certs = api.get(t.admin(), "/api/v1/devices?identity_status=ACTIVE&limit=100").expect(200)
                .path("items").size();
        assertThat(certs).isEqualTo(10);
    }

    @Test
    void onlyAdminsManageKeysAndTokensAndOtherTenantsSeeNone() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        provisioningKey(t, Map.of());
        String keyId = api.get(t.admin(), "/api/v1/provisioning-keys").expect(200)
                .path("items").get(0).path("id").asString();
        String operator = token(t, "operator");
        api.post(operator, "/api/v1/provisioning-keys", Map.of("label", "x")).expectProblem(403, "FORBIDDEN");
        api.post(operator, "/api/v1/provisioning-keys/" + keyId + "/revoke", null).expectProblem(403, "FORBIDDEN");
        api.get(other.admin(), "/api/v1/provisioning-keys/" + keyId).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/provisioning-keys/" + keyId + "/revoke", null)
                .expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/provisioning-keys").expect(200).path("items")).isEmpty();
    }

    static Map<String, Object> template(String name, String type) {
        return Map.of("name", name, "device_type", type, "metadata_defaults", Map.of("vendor", "acme"),
                "sensors", List.of(Map.of("key", "temperature", "data_type", "number")),
                "transports", List.of(Map.of("kind", "https")));
    }

    @Test
    void devicesRegisteredWithAKeyOrClaimedWithATokenAreMadeFromItsTemplate() throws Exception {
        TestTenant t = newTenant();
        String edgeTemplate = api.post(t.admin(), "/api/v1/templates", template("edge", "network-sensor")).expect(201)
                .path("id").asString();
        api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "x", "template_id", java.util.UUID
                .randomUUID().toString())).expectProblem(400, "VALIDATION_FAILED");
        JsonNode k = api.post(t.admin(), "/api/v1/provisioning-keys", Map.of("label", "plant",
                "template_id", edgeTemplate)).expect(201);
        assertThat(k.path("template_id").asString()).isEqualTo(edgeTemplate);
        String registered = register(k.path("key").asString(), edge("edge-1")).expect(201).path("device_id")
                .asString();
        JsonNode d = api.get(t.admin(), "/api/v1/devices/" + registered).expect(200);
        assertThat(d.path("template_id").asString()).isEqualTo(edgeTemplate);
        assertThat(d.path("metadata").path("vendor").asString()).isEqualTo("acme");
        assertThat(api.get(t.admin(), "/api/v1/devices/" + registered + "/sensors").expect(200).path("items")
                .get(0).path("key").asString()).isEqualTo("temperature");

        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        String root = api.get(t.admin(), "/api/v1/pki/cas").expect(200).path("items").get(0).path("id").asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        String meterTemplate = api.post(t.admin(), "/api/v1/templates", template("meter", "meter")).expect(201)
                .path("id").asString();
        String token = api.post(t.admin(), "/api/v1/claim-tokens", Map.of("label", "installer", "device_type",
                "meter", "max_uses", 2, "expires_at", Instant.now().plus(1, ChronoUnit.DAYS).toString(),
                "template_id", meterTemplate)).expect(201).path("token").asString();
        String claimed = claim(token, Csrs.csrPem(Csrs.p256()), "SN-T1").expect(201).path("device_id").asString();
        JsonNode c = api.get(t.admin(), "/api/v1/devices/" + claimed).expect(200);
        assertThat(c.path("template_id").asString()).isEqualTo(meterTemplate);
        assertThat(api.get(t.admin(), "/api/v1/devices/" + claimed + "/transports").expect(200).path("items")
                .get(0).path("kind").asString()).isEqualTo("https");
    }
}
