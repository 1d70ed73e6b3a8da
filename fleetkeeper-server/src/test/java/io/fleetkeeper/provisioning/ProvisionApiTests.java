package io.fleetkeeper.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Credential;
import java.io.StringReader;
import java.math.BigInteger;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/devices/provision}: an operator provisions a device with its factory certificate (a
 * manufacturer CA made here with BouncyCastle, registered as the tenant's trust anchor) and serial, under the
 * rules of the device-side bootstrap; the answer carries the tenant's bootstrap configuration for that device.
 */
class ProvisionApiTests extends ApiTest {

    private static final String MANIFEST = "serial,device_type,metadata.region\nSN-1,meter,eu\nSN-2,meter,us\n";

    @Autowired
    private DeviceListener listener;

    /** A tenant with a CA, a manufacturer it trusts and a manifest listing SN-1 and SN-2. */
    private record Factory(TestTenant t, Manufacturer maker, String operator, X509Certificate issuingCa) {
    }

    @Test
    void operatorProvisionsADeviceWithItsFactoryCertificateAndTheDeviceGetsItsConfiguration() throws Exception {
        Factory f = factory();
        api.call("PUT", "/api/v1/provisioning/bootstrap-configuration").token(f.t().admin())
                .body(Map.of("document", Map.of("mqtt", Map.of("host", "{{mqtt_host}}", "port", 8883,
                        "client_id", "{{device_id}}"), "topic", "fk/{{ device_id }}/telemetry", "serial", "{{serial}}",
                        "retries", List.of(1, 2, 4)))).send().expect(200);
        Credential factoryCert = f.maker().deviceWithSerialNumber("SN-1");
        KeyPair operationalKey = Csrs.p256();

        JsonNode p = provision(f.operator(), body(factoryCert, "SN-1", Csrs.csrPem(operationalKey),
                Map.of("name", "meter-1", "metadata", Map.of("floor", 3, "calibrated", true)))).expect(201);

        JsonNode device = p.path("device");
        String id = device.path("id").asString();
        assertThat(device.path("status").asString()).isEqualTo("provisioning");
        assertThat(device.path("name").asString()).isEqualTo("meter-1");
        assertThat(device.path("serial").asString()).isEqualTo("SN-1");
        assertThat(device.path("device_type").asString()).isEqualTo("meter");
        assertThat(device.path("metadata").path("region").asString()).isEqualTo("eu");
        assertThat(device.path("metadata").path("floor").isNumber()).isTrue();
        assertThat(device.path("metadata").path("floor").asInt()).isEqualTo(3);
        assertThat(device.path("metadata").path("calibrated").isBoolean()).isTrue();
        assertThat(p.path("reprovisioned").asBoolean()).isFalse();
        assertThat(p.has("private_key_pem") && !p.path("private_key_pem").isNull()).isFalse();
        X509Certificate operational = TlsClient.parse(p.path("certificate_pem").asString()).getFirst();
        assertThat(operational.getPublicKey()).isEqualTo(operationalKey.getPublic());
        assertThat(p.path("certificate").path("device_id").asString()).isEqualTo(id);
        assertThat(TlsClient.parse(p.path("chain_pem").asString()).getFirst()).isEqualTo(operational);

        JsonNode config = p.path("bootstrap_configuration");
        assertThat(config.path("mqtt").path("client_id").asString()).isEqualTo(id);
        assertThat(config.path("mqtt").path("host").asString()).isEqualTo("localhost");
        assertThat(config.path("mqtt").path("port").asInt()).isEqualTo(8883);
        assertThat(config.path("topic").asString()).isEqualTo("fk/" + id + "/telemetry");
        assertThat(config.path("serial").asString()).isEqualTo("SN-1");
        assertThat(config.path("retries").size()).isEqualTo(3);

        assertThat(eventTypes(f.t(), id)).contains("CREATED", "PROVISIONED").doesNotContain("RE-PROVISIONED");
        assertThat(api.get(f.t().admin(), "/api/v1/devices/" + id + "/provenance").expect(200).path("method")
                .asString()).isEqualTo("provision");
        assertThat(api.get(f.t().admin(), "/api/v1/audit?action=device.provision").expect(200).path("items"))
                .hasSize(1);
        // The operational certificate is the device's identity on the device listener; the first call activates.
        new DevicePort(api, listener.port(), operationalKey, new X509Certificate[] {operational,
                f.issuingCa()})
                .post("/device/v1/certificates/renew", Map.of(), Map.of("csr", Csrs.csrPem(operationalKey)))
                .expect(200);
        assertThat(api.get(f.t().admin(), "/api/v1/devices/" + id).expect(200).path("status").asString())
                .isEqualTo("active");
    }

    @Test
    void deviceSideBootstrapClaimAndRegistrationAnswerWithTheConfigurationForThatDevice() {
        Factory f = factory();
        api.call("PUT", "/api/v1/provisioning/bootstrap-configuration").token(f.t().admin())
                .body(Map.of("document", Map.of("id", "{{device_id}}", "name", "{{name}}", "type", "{{device_type}}",
                        "tenant", "{{tenant_id}}"))).send().expect(200);
        Credential factoryCert = f.maker().deviceWithSerialNumber("SN-1");

        JsonNode boot = new DevicePort(api, listener.port(), factoryCert.key(), factoryCert.chain())
                .post("/device/v1/bootstrap", Map.of(), Map.of("serial", "SN-1", "csr", Csrs.csrPem(Csrs.p256())))
                .expect(201);
        assertThat(boot.path("bootstrap_configuration").path("id").asString())
                .isEqualTo(boot.path("device_id").asString());
        assertThat(boot.path("bootstrap_configuration").path("tenant").asString()).isEqualTo(f.t().id());
        assertThat(boot.path("bootstrap_configuration").path("type").asString()).isEqualTo("meter");

        String claimToken = api.post(f.t().admin(), "/api/v1/claim-tokens", Map.of("label", "installer",
                "device_type", "valve", "max_uses", 1, "expires_at", java.time.Instant.now().plusSeconds(600)
                        .toString())).expect(201).path("token").asString();
        JsonNode claimed = new DevicePort(api, listener.port()).post("/device/v1/claim",
                Map.of("X-Claim-Token", claimToken), Map.of("csr", Csrs.csrPem(Csrs.p256()), "name", "valve-7"))
                .expect(201);
        assertThat(claimed.path("bootstrap_configuration").path("id").asString())
                .isEqualTo(claimed.path("device_id").asString());
        assertThat(claimed.path("bootstrap_configuration").path("name").asString()).isEqualTo("valve-7");

        String key = api.post(f.t().admin(), "/api/v1/provisioning-keys", Map.of("label", "plant"))
                .expect(201).path("key").asString();
        JsonNode registered = api.call("POST", "/api/v1/devices/register").header("X-Provisioning-Key", key)
                .body(Map.of("name", "edge-1", "type", "gateway")).send().expect(201);
        assertThat(registered.path("bootstrap_configuration").path("id").asString())
                .isEqualTo(registered.path("device_id").asString());
        assertThat(registered.path("bootstrap_configuration").path("type").asString()).isEqualTo("gateway");
    }

    @Test
    void repliesConformToTheOpenApiDocuments() {
        Factory f = factory();
        var management = new io.fleetkeeper.testing.OpenApiContract(api.get(null, "/v3/api-docs").expect(200)
                .toString());
        var deviceDocument = new io.fleetkeeper.testing.OpenApiContract(api.get(null, "/v3/api-docs/device")
                .expect(200).toString());
        List<io.fleetkeeper.testing.Reply> replies = List.of(
                api.get(f.t().admin(), "/api/v1/provisioning/bootstrap-configuration"),
                put(f.t().admin(), Map.of("document", Map.of("mqtt", Map.of("client_id", "{{device_id}}"))), "\"0\""),
                put(f.t().admin(), Map.of("document", "x"), null),
                provision(f.operator(), body(f.maker().deviceWithSerialNumber("SN-1"), "SN-1", null,
                        Map.of("server_keygen", true, "metadata", Map.of("floor", 2)))),
                provision(f.operator(), Map.of("serial", "SN-2")));
        assertThat(replies).extracting(io.fleetkeeper.testing.Reply::status).containsExactly(200, 200, 400, 201, 400);
        Credential factoryCert = f.maker().deviceWithSerialNumber("SN-2");
        var boot = new DevicePort(api, listener.port(), factoryCert.key(), factoryCert.chain())
                .post("/device/v1/bootstrap", Map.of(), Map.of("serial", "SN-2", "csr", Csrs.csrPem(Csrs.p256())));
        assertThat(boot.status()).isEqualTo(201);

        List<String> violations = new java.util.ArrayList<>(deviceDocument.violations(boot));
        replies.forEach(r -> violations.addAll(management.violations(r)));
        assertThat(violations).as("replies that contradict the OpenAPI documents").isEmpty();
    }

    @Test
    void serverGeneratedKeyIsShownOnceAndASecondProvisioningFollowsTheTenantsPolicy() throws Exception {
        Factory f = factory();
        Credential factoryCert = f.maker().deviceWithSerialNumber("SN-2");
        var reply = provision(f.operator(), body(factoryCert, "SN-2", null, Map.of("server_keygen", true)));
        JsonNode first = reply.expect(201);
        assertThat(reply.header("Cache-Control")).contains("no-store");
        String id = first.path("device").path("id").asString();
        X509Certificate firstCert = TlsClient.parse(first.path("certificate_pem").asString()).getFirst();
        PrivateKey key = privateKey(first.path("private_key_pem").asString());
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update("proof".getBytes(StandardCharsets.UTF_8));
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(firstCert.getPublicKey());
        verifier.update("proof".getBytes(StandardCharsets.UTF_8));
        assertThat(verifier.verify(signer.sign())).as("the certificate is for the returned private key").isTrue();
        assertThat(first.path("bootstrap_configuration").isMissingNode() || first.path("bootstrap_configuration")
                .isNull()).as("no configuration yet").isTrue();
        assertThat(api.get(f.t().admin(), "/api/v1/audit").expect(200).toString()).doesNotContain("PRIVATE KEY");

        provision(f.operator(), body(factoryCert, "SN-2", Csrs.csrPem(Csrs.p256()), Map.of()))
                .expectProblem(409, "CONFLICT");
        api.call("PUT", "/api/v1/provisioning/settings").token(f.t().admin())
                .body(Map.of("rebootstrap", "reprovision")).send().expect(200);
        KeyPair secondKey = Csrs.p256();
        JsonNode again = provision(f.operator(), body(factoryCert, "SN-2", Csrs.csrPem(secondKey), Map.of()))
                .expect(201);

        assertThat(again.path("device").path("id").asString()).isEqualTo(id);
        assertThat(again.path("reprovisioned").asBoolean()).isTrue();
        assertThat(TlsClient.parse(again.path("certificate_pem").asString()).getFirst().getPublicKey())
                .isEqualTo(secondKey.getPublic());
        JsonNode certs = api.get(f.t().admin(), "/api/v1/devices/" + id + "/certificates").expect(200).path("items");
        assertThat(certs.valueStream().filter(c -> new BigInteger(c.path("serial").asString(), 16)
                .equals(firstCert.getSerialNumber())).map(c -> c.path("status").asString()))
                .containsExactly("REVOKED");
        assertThat(eventTypes(f.t(), id)).contains("RE-PROVISIONED");
        assertThat(stats(f.t().admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void badFactoryCertificatesAndBodiesAreRefusedWithACodeAndCreateNothing() {
        Factory f = factory();
        String csr = Csrs.csrPem(Csrs.p256());
        Credential good = f.maker().deviceWithSerialNumber("SN-1");
        // Not rate-limited: refused before any certificate is checked.
        provision(f.operator(), body(good, "SN-1", null, Map.of())).expectProblem(400, "VALIDATION_FAILED");
        provision(f.operator(), body(good, "SN-1", csr, Map.of("server_keygen", true)))
                .expectProblem(400, "VALIDATION_FAILED");
        provision(f.operator(), Map.of("serial", "SN-1", "csr", csr, "factory_certificate", "not a PEM"))
                .expectProblem(400, "VALIDATION_FAILED");
        provision(f.operator(), Map.of("serial", "SN-1", "csr", csr)).expectProblem(400, "VALIDATION_FAILED");
        // Each refused certificate is counted (its own, so the per-certificate limit stays out of the way).
        JsonNode untrusted = provision(f.operator(), body(Manufacturer.root().deviceWithSerialNumber("SN-1"), "SN-1",
                csr, Map.of())).expectProblem(400, "VALIDATION_FAILED");
        assertThat(untrusted.toString()).contains("factory_certificate");
        JsonNode mismatch = provision(f.operator(), body(f.maker().deviceWithSerialNumber("SN-2"), "SN-1", csr,
                Map.of())).expectProblem(400, "VALIDATION_FAILED");
        assertThat(mismatch.toString()).contains("serial");
        provision(f.operator(), body(f.maker().deviceWithSerialNumber("SN-404"), "SN-404", csr, Map.of()))
                .expectProblem(403, "FORBIDDEN");
        provision(token(f.t(), "viewer"), body(good, "SN-1", csr, Map.of())).expectProblem(403, "FORBIDDEN");

        assertThat(stats(f.t().admin()).path("total").asLong()).isZero();
        assertThat(api.get(f.t().admin(), "/api/v1/audit?action=device.bootstrap.rejected").expect(200)
                .path("items")).hasSize(3);
    }

    @Test
    void anotherTenantCannotProvisionWithAFactoryCertificateItDoesNotTrust() {
        Factory owner = factory();
        TestTenant other = newTenant();
        api.post(other.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        api.call("POST", "/api/v1/manifests/import?name=stolen").token(other.admin())
                .body("text/csv", BodyPublishers.ofString(MANIFEST)).send().expect(201);
        Credential factoryCert = owner.maker().deviceWithSerialNumber("SN-1");

        provision(other.admin(), body(factoryCert, "SN-1", Csrs.csrPem(Csrs.p256()), Map.of()))
                .expectProblem(400, "VALIDATION_FAILED");

        assertThat(stats(other.admin()).path("total").asLong()).isZero();
        assertThat(stats(owner.t().admin()).path("total").asLong()).isZero();
        // The owner's configuration is its own.
        api.call("PUT", "/api/v1/provisioning/bootstrap-configuration").token(owner.t().admin())
                .body(Map.of("document", Map.of("k", "v"))).send().expect(200);
        assertThat(api.get(other.admin(), "/api/v1/provisioning/bootstrap-configuration").expect(200)
                .path("version").asLong()).isZero();
    }

    @Test
    void bootstrapConfigurationIsVersionedWithIfMatchValidatedAndAudited() {
        TestTenant t = newTenant();
        var empty = api.get(t.admin(), "/api/v1/provisioning/bootstrap-configuration");
        assertThat(empty.expect(200).path("version").asLong()).isZero();
        assertThat(empty.etag()).isEqualTo("\"0\"");

        var created = put(t.admin(), Map.of("document", Map.of("ntp", "pool.ntp.org")), "\"0\"");
        assertThat(created.expect(200).path("version").asLong()).isEqualTo(1);
        assertThat(created.etag()).isEqualTo("\"1\"");
        put(t.admin(), Map.of("document", Map.of("ntp", "time.example")), "\"0\"")
                .expectProblem(412, "PRECONDITION_FAILED");
        JsonNode second = put(t.admin(), Map.of("document", Map.of("ntp", "time.example")), "\"1\"").expect(200);
        assertThat(second.path("version").asLong()).isEqualTo(2);
        assertThat(second.path("document").path("ntp").asString()).isEqualTo("time.example");

        put(t.admin(), Map.of("document", List.of(1, 2)), null).expectProblem(400, "VALIDATION_FAILED");
        put(t.admin(), Map.of("document", Map.of("x", "{{password}}")), null).expectProblem(400, "VALIDATION_FAILED");
        put(t.admin(), Map.of("document", Map.of("blob", "x".repeat(17_000))), null)
                .expectProblem(400, "VALIDATION_FAILED");
        put(token(t, "operator"), Map.of("document", Map.of("a", 1)), null).expectProblem(403, "FORBIDDEN");

        JsonNode now = api.get(token(t, "viewer"), "/api/v1/provisioning/bootstrap-configuration").expect(200);
        assertThat(now.path("version").asLong()).isEqualTo(2);
        assertThat(now.path("document").path("ntp").asString()).isEqualTo("time.example");
        JsonNode audit = api.get(t.admin(), "/api/v1/audit?action=provisioning.bootstrap_configuration.update")
                .expect(200).path("items");
        assertThat(audit).hasSize(2);
        assertThat(audit.toString()).doesNotContain("time.example");
    }

    private Factory factory() {
        TestTenant t = newTenant();
        JsonNode root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        JsonNode issuing = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id",
                root.path("id").asString())).expect(201);
        Manufacturer maker = Manufacturer.root();
        api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "acme", "certificate_pem", maker.pem()))
                .expect(201);
        api.call("POST", "/api/v1/manifests/import?name=batch-1").token(t.admin())
                .body("text/csv", BodyPublishers.ofString(MANIFEST)).send().expect(201);
        return new Factory(t, maker, token(t, "operator"),
                TlsClient.parse(issuing.path("certificate_pem").asString()).getFirst());
    }

    private static Map<String, Object> body(Credential factory, String serial, String csr, Map<String, Object> more) {
        Map<String, Object> body = new LinkedHashMap<>();
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : factory.chain()) {
            pem.append(Csrs.pem(c));
        }
        body.put("factory_certificate", pem.toString());
        body.put("serial", serial);
        if (csr != null) {
            body.put("csr", csr);
        }
        body.putAll(more);
        return body;
    }

    private io.fleetkeeper.testing.Reply provision(String token, Map<String, Object> body) {
        return api.post(token, "/api/v1/devices/provision", body);
    }

    private io.fleetkeeper.testing.Reply put(String token, Map<String, Object> body, String ifMatch) {
        var call = api.call("PUT", "/api/v1/provisioning/bootstrap-configuration").token(token).body(body);
        if (ifMatch != null) {
            call.header("If-Match", ifMatch);
        }
        return call.send();
    }

    private List<String> eventTypes(TestTenant t, String deviceId) {
        return api.get(t.admin(), "/api/v1/devices/" + deviceId + "/events").expect(200).path("items").valueStream()
                .map(e -> e.path("type").asString()).toList();
    }

    private static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            return new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
        }
    }
}
