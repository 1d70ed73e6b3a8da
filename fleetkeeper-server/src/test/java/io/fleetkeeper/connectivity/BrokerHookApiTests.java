package io.fleetkeeper.connectivity;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The EMQX HTTP authentication and authorization hooks, through HTTP as EMQX calls them. */
class BrokerHookApiTests extends ApiTest {

    private static final String AUTH = "/api/v1/internal/mqtt-auth";
    private static final String ACL = "/api/v1/internal/mqtt-acl";

    record KeyedDevice(TestTenant tenant, String id, String key) {
    }

    KeyedDevice keyedDevice() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("d")).path("id").asString();
        return new KeyedDevice(t, id, rotate(t, id));
    }

    String rotate(TestTenant t, String id) {
        return api.post(t.admin(), "/api/v1/devices/" + id + "/device-key/rotate", null).expect(200)
                .path("device_key").asString();
    }

    Reply hook(String path, String secret, Object body) {
        return api.call("POST", path).header("X-Internal-Auth", secret).body(body).send();
    }

    /** What EMQX sends for a password login, rendered from the README's body template. */
    static Map<String, Object> login(String clientId, String username, String password) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("clientid", clientId);
        body.put("username", username);
        body.put("password", password);
        body.put("cert_pem", "");
        body.put("peerhost", "10.0.0.7");
        return body;
    }

    String authResult(Map<String, Object> body) {
        JsonNode r = hook(AUTH, INTERNAL_AUTH_SECRET, body).expect(200);
        assertThat(r.path("is_superuser").isBoolean()).as("is_superuser in %s", r).isTrue();
        assertThat(r.path("is_superuser").asBoolean()).isFalse();
        return r.path("result").asString();
    }

    String acl(String clientId, String action, String topic) {
        Map<String, Object> body = Map.of("clientid", clientId, "username", clientId, "action", action,
                "topic", topic, "qos", "1", "retain", "false");
        return hook(ACL, INTERNAL_AUTH_SECRET, body).expect(200).path("result").asString();
    }

    @Test
    void aWrongOrMissingSecretAnswers401AndNothingElse() {
        KeyedDevice d = keyedDevice();
        Map<String, Object> good = login(d.id(), d.id(), d.key());
        for (String path : List.of(AUTH, ACL)) {
            hook(path, null, good).expectProblem(401, "UNAUTHENTICATED");
            hook(path, "wrong", good).expectProblem(401, "UNAUTHENTICATED");
            hook(path, INTERNAL_AUTH_SECRET + "x", good).expectProblem(401, "UNAUTHENTICATED");
            hook(path, "", good).expectProblem(401, "UNAUTHENTICATED");
            // The secret is checked before the body is read, and an API token is no substitute.
            hook(path, "wrong", "{not json").expectProblem(401, "UNAUTHENTICATED");
            api.call("POST", path).token(d.tenant().admin()).body(good).send().expectProblem(401, "UNAUTHENTICATED");
        }
    }

    @Test
    void aValidDeviceKeyIsAllowed() {
        KeyedDevice d = keyedDevice();
        Reply r = hook(AUTH, INTERNAL_AUTH_SECRET, login(d.id(), d.id(), d.key()));
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.expect(200).path("result").asString()).isEqualTo("allow");
        // Again, now from the credential cache.
        assertThat(authResult(login(d.id(), d.id(), d.key()))).isEqualTo("allow");
    }

    @Test
    void aWrongKeyAMissingKeyOrAForeignClientIdIsDenied() {
        KeyedDevice d = keyedDevice();
        KeyedDevice other = keyedDevice();
        assertThat(authResult(login(d.id(), d.id(), "dvc_" + "A".repeat(43)))).isEqualTo("deny");
        assertThat(authResult(login(d.id(), d.id(), other.key()))).isEqualTo("deny");
        assertThat(authResult(login(d.id(), d.id(), ""))).isEqualTo("deny");
        assertThat(authResult(login(d.id(), d.id(), null))).isEqualTo("deny");
        assertThat(authResult(login(d.id(), "", d.key()))).as("no username").isEqualTo("deny");
        // The client id must be the device id, before and after the grant is cached.
        assertThat(authResult(login(other.id(), d.id(), d.key()))).isEqualTo("deny");
        assertThat(authResult(login("sensor-1", d.id(), d.key()))).isEqualTo("deny");
        assertThat(authResult(login(d.id(), d.id(), d.key()))).isEqualTo("allow");
        assertThat(authResult(login(other.id(), d.id(), d.key()))).isEqualTo("deny");
        assertThat(authResult(login(d.id(), other.id(), d.key()))).isEqualTo("deny");
    }

    @Test
    void suspensionAndKeyRotationDenyAtOnceThoughTheGrantWasCached() {
        KeyedDevice d = keyedDevice();
        assertThat(authResult(login(d.id(), d.id(), d.key()))).isEqualTo("allow");
        api.post(d.tenant().admin(), "/api/v1/devices/" + d.id() + "/suspend", null).expect(200);
        assertThat(authResult(login(d.id(), d.id(), d.key()))).isEqualTo("deny");
        api.post(d.tenant().admin(), "/api/v1/devices/" + d.id() + "/resume", null).expect(200);
        assertThat(authResult(login(d.id(), d.id(), d.key()))).isEqualTo("allow");

        String next = rotate(d.tenant(), d.id());
        assertThat(authResult(login(d.id(), d.id(), d.key()))).isEqualTo("deny");
        assertThat(authResult(login(d.id(), d.id(), next))).isEqualTo("allow");

        api.post(PLATFORM_TOKEN, "/api/v1/operator/tenants/" + d.tenant().id() + "/suspend", null).expect(200);
        assertThat(authResult(login(d.id(), d.id(), next))).isEqualTo("deny");
    }

    @Test
    void aClientCertificateForwardedByTheBrokerAuthenticatesUntilRevoked() throws Exception {
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        String id = createDevice(t.admin(), device("d")).path("id").asString();
        JsonNode issued = api.post(t.admin(), "/api/v1/devices/" + id + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201);
        String pem = issued.path("certificate_pem").asString();
        byte[] der = CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).getEncoded();

        Map<String, Object> emqx = login(id, "", "");
        emqx.put("cert_pem", Base64.getEncoder().encodeToString(der));
        assertThat(authResult(emqx)).as("EMQX's ${cert_pem}: the certificate, base64").isEqualTo("allow");
        Map<String, Object> asPem = login(id, id, null);
        asPem.put("cert_pem", pem);
        assertThat(authResult(asPem)).as("PEM text").isEqualTo("allow");
        Map<String, Object> wrongClient = login(UUID.randomUUID().toString(), "", "");
        wrongClient.put("cert_pem", pem);
        assertThat(authResult(wrongClient)).isEqualTo("deny");
        Map<String, Object> garbage = login(id, "", "");
        garbage.put("cert_pem", "bm90IGEgY2VydGlmaWNhdGU=");
        assertThat(authResult(garbage)).isEqualTo("deny");

        api.post(t.admin(), "/api/v1/certificates/" + issued.path("certificate").path("id").asString() + "/revoke",
                Map.of("reason", "keyCompromise")).expect(200);
        assertThat(authResult(emqx)).isEqualTo("deny");
    }

    @Test
    void aclAllowsADeviceOnlyItsOwnNamespace() {
        String id = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        assertThat(acl(id, "publish", "fk/" + id + "/telemetry")).isEqualTo("allow");
        assertThat(acl(id, "subscribe", "fk/" + id + "/commands/#")).isEqualTo("allow");
        assertThat(acl(id, "subscribe", "fk/" + id + "/shadow/+/delta")).isEqualTo("allow");

        for (String action : List.of("publish", "subscribe")) {
            assertThat(acl(id, action, "fk/" + other + "/telemetry")).as("%s other device", action).isEqualTo("deny");
            assertThat(acl(id, action, "fk/" + id)).as("%s the bare namespace", action).isEqualTo("deny");
            assertThat(acl(id, action, "$SYS/broker/uptime")).as("%s $SYS", action).isEqualTo("deny");
            assertThat(acl(id, action, "other/topic")).isEqualTo("deny");
        }
        for (String filter : List.of("#", "fk/#", "fk/+/x", "+/" + id + "/x", "$SYS/#",
                "$share/g/fk/" + id + "/x")) {
            assertThat(acl(id, "subscribe", filter)).as("subscribe %s", filter).isEqualTo("deny");
        }
        assertThat(acl(id, "publish", "fk/" + id + "/+")).as("wildcards in a published topic").isEqualTo("deny");
        assertThat(acl(id, "all", "fk/" + id + "/x")).as("unknown action").isEqualTo("deny");
        assertThat(acl("not-a-device", "publish", "fk/not-a-device/x")).isEqualTo("deny");
        assertThat(acl(id.toUpperCase(), "publish", "fk/" + id.toUpperCase() + "/x")).isEqualTo("deny");
        // The username, when EMQX sends one, must be the client id.
        Map<String, Object> body = Map.of("clientid", id, "username", other, "action", "publish",
                "topic", "fk/" + id + "/x");
        assertThat(hook(ACL, INTERNAL_AUTH_SECRET, body).expect(200).path("result").asString()).isEqualTo("deny");
    }

    @Test
    void aclLetsAGatewayPublishOnlyForItsActiveChildren() {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        String gw = createDevice(t.admin(), device("gw")).path("id").asString();
        String child = createDevice(t.admin(), Map.of("name", "c", "device_type", "sensor", "parent_device_id", gw))
                .path("id").asString();
        String stranger = createDevice(t.admin(), device("s")).path("id").asString();
        String foreign = createDevice(other.admin(), device("f")).path("id").asString();
        String children = "fk/" + gw + "/children/";
        assertThat(acl(gw, "publish", children + child + "/telemetry")).isEqualTo("allow");
        assertThat(acl(gw, "publish", children + child + "/shadow/reported")).isEqualTo("allow");
        assertThat(acl(gw, "publish", children + stranger + "/telemetry")).as("not its child").isEqualTo("deny");
        assertThat(acl(gw, "publish", children + foreign + "/telemetry")).as("another tenant's").isEqualTo("deny");
        assertThat(acl(gw, "publish", children + UUID.randomUUID() + "/telemetry")).as("no such device")
                .isEqualTo("deny");
        assertThat(acl(stranger, "publish", "fk/" + stranger + "/children/" + child + "/telemetry"))
                .as("another device for the child").isEqualTo("deny");
        assertThat(acl(gw, "subscribe", children + "+/commands/#")).isEqualTo("allow");
        api.post(t.admin(), "/api/v1/devices/" + child + "/suspend", null).expect(200);
        assertThat(acl(gw, "publish", children + child + "/telemetry")).as("a suspended child").isEqualTo("deny");
        assertThat(acl(gw, "publish", "fk/" + gw + "/telemetry")).as("its own topics").isEqualTo("allow");
    }
}
