package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.Base64URL;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.Ocsp;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Signed OTA manifests, checked the way a device would with independent tools: the JWS on the HTTPS and MQTT
 * manifests verifies with Nimbus against the code-signing certificate in {@code x5c}, whose chain validates
 * (JDK PKIX and {@code openssl verify}) up to the tenant's root CA and whose extended key usage is codeSigning; a
 * tampered payload or another tenant's CA as the trust anchor fails. Operators rotate and revoke the key, and a new
 * default CA revokes its predecessor's key at once: the old certificate is then revoked on the CRL and by OCSP, and
 * the next manifest carries the new chain.
 */
class SignedManifestTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired DeviceListener listener;
    @Autowired MqttEndpoint endpoint;

    @TempDir Path dir;

    private TestTenant tenant;
    private X509Certificate root;
    private String rootId;
    private String issuingId;
    private X509Certificate issuing;
    private X509Certificate otherRoot;
    private MqttDevices devices;
    private DevicePort port;

    @BeforeEach
    void setUp() throws Exception {
        tenant = newTenant();
        JsonNode r = api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        root = TlsClient.parse(r.path("certificate_pem").asString()).get(0);
        rootId = r.path("id").asString();
        JsonNode i = api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", rootId))
                .expect(201);
        issuingId = i.path("id").asString();
        issuing = TlsClient.parse(i.path("certificate_pem").asString()).get(0);
        TestTenant other = newTenant();
        otherRoot = TlsClient.parse(api.post(other.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201)
                .path("certificate_pem").asString()).get(0);
        devices = new MqttDevices(api);
        port = new DevicePort(api, listener.port());
    }

    private String campaign(String... deviceIds) {
        String fw = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "9.0")).expect(201)
                .path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + fw + "/artifacts/os.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofString("signed image")).send().expect(201);
        api.post(tenant.admin(), "/api/v1/ota/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("device_ids", List.of(deviceIds)))).expect(201);
        return fw;
    }

    /** What a device does: parse, check the chain against its tenant root, verify the signature; the payload. */
    private static JsonNode verify(String jws, X509Certificate anchor) throws Exception {
        JWSObject o = JWSObject.parse(jws);
        assertThat(o.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        List<X509Certificate> chain = chain(o);
        X509Certificate leaf = chain.get(0);
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.3"); // codeSigning
        assertThat(leaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        params.setRevocationEnabled(false);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> path = chain.stream().filter(c -> !c.equals(anchor)).toList();
        CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), params);
        if (!o.verify(new ECDSAVerifier((ECPublicKey) leaf.getPublicKey()))) {
            throw new SecurityException("bad signature");
        }
        return JSON.readTree(o.getPayload().toBytes());
    }

    private static List<X509Certificate> chain(JWSObject o) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> chain = new ArrayList<>();
        for (Base64 der : o.getHeader().getX509CertChain()) {
            chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der.decode())));
        }
        return chain;
    }

    @Test
    void manifestsAreSignedWithACodeSigningCertificateOfTheTenantCa() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        KeyDevice m = devices.keyDevice(tenant, "gw-2");
        String fw = campaign(d.id(), m.id());

        JsonNode manifest = port.call("GET", "/device/v1/ota/next", Map.of("X-Device-Key", d.key()), null)
                .expect(200);
        String jws = manifest.path("signature").asString();
        JsonNode payload = verify(jws, root);
        assertThat(payload.path("execution_id").asLong()).isEqualTo(manifest.path("execution_id").asLong());
        assertThat(payload.path("firmware_id").asString()).isEqualTo(fw);
        assertThat(payload.path("artifacts").get(0).path("sha256").asString())
                .isEqualTo(manifest.path("artifacts").get(0).path("sha256").asString());
        assertThat(payload.has("signature") && payload.path("signature").isString()).isFalse();
        List<X509Certificate> chain = chain(JWSObject.parse(jws));
        assertThat(chain).hasSize(3).endsWith(root);

        // openssl, an independent verifier, validates the chain to the tenant root.
        Path rootPem = write("root.pem", List.of(root));
        Path issuing = write("issuing.pem", chain.subList(1, 2));
        Path leaf = write("leaf.pem", chain.subList(0, 1));
        Process p = new ProcessBuilder("openssl", "verify", "-CAfile", rootPem.toString(), "-untrusted",
                issuing.toString(), leaf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains(": OK");

        // A tampered manifest (another artifact hash) or another tenant's CA fails.
        JWSObject signed = JWSObject.parse(jws);
        String forged = payload.toString().replace(payload.path("artifacts").get(0).path("sha256").asString(),
                "0".repeat(64));
        String tampered = signed.getHeader().toBase64URL() + "." + Base64URL.encode(forged) + "."
                + signed.getSignature();
        assertThatThrownBy(() -> verify(tampered, root)).isInstanceOf(SecurityException.class);
        assertThatThrownBy(() -> verify(jws, otherRoot)).isInstanceOf(CertPathValidatorException.class);

        // The MQTT manifest is signed by the same key.
        Mqtt5BlockingClient c = devices.connect(m, endpoint.port());
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("fk/" + m.id() + "/ota/notify").qos(MqttQos.AT_LEAST_ONCE).send();
            JsonNode notified = JSON.readTree(MqttDevices.next(publishes, "fk/" + m.id() + "/ota/notify")
                    .getPayloadAsBytes());
            String mqttJws = notified.path("signature").asString();
            assertThat(verify(mqttJws, root).path("execution_id").asLong())
                    .isEqualTo(notified.path("execution_id").asLong());
            assertThat(chain(JWSObject.parse(mqttJws)).get(0)).as("one key per tenant").isEqualTo(chain.get(0));
        } finally {
            c.disconnect();
        }
    }

    @Test
    void aTenantWithoutCaGetsUnsignedManifests() {
        TestTenant plain = newTenant();
        KeyDevice d = devices.keyDevice(plain, "gw-1");
        String fw = api.post(plain.admin(), "/api/v1/firmware", Map.of("name", "os", "version", "1.0")).expect(201)
                .path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + fw + "/artifacts/os.swu").token(plain.admin())
                .body("application/octet-stream", BodyPublishers.ofString("image")).send().expect(201);
        api.post(plain.admin(), "/api/v1/ota/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("device_ids", List.of(d.id())))).expect(201);
        JsonNode manifest = port.call("GET", "/device/v1/ota/next", Map.of("X-Device-Key", d.key()), null)
                .expect(200);
        assertThat(manifest.path("signature").isString()).isFalse();
    }

    private static final String KEY = "/api/v1/ota/signing-key";

    /** The certificate that signs the device's manifest now (fetched over HTTPS polling and verified). */
    private X509Certificate signer(KeyDevice d) throws Exception {
        String jws = port.call("GET", "/device/v1/ota/next", Map.of("X-Device-Key", d.key()), null).expect(200)
                .path("signature").asString();
        verify(jws, root);
        return chain(JWSObject.parse(jws)).get(0);
    }

    private String pki(String caId, String what) {
        return "/pki/v1/tenants/" + tenant.id() + "/cas/" + caId + what;
    }

    /** What the CA's OCSP responder says of the certificate. */
    private CertificateStatus ocsp(String caId, X509Certificate ca, X509Certificate leaf) throws Exception {
        return Ocsp.status(api.uri(pki(caId, "/ocsp")).toString(), ca, leaf);
    }

    /** The CA's current CRL, its signature checked. */
    private X509CRL crl(String caId, X509Certificate ca) throws Exception {
        X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(
                api.call("GET", pki(caId, "/crl.pem")).send().body().getBytes(StandardCharsets.US_ASCII)));
        crl.verify(ca.getPublicKey());
        return crl;
    }

    private List<String> audited(String action, String keyId) {
        return api.get(tenant.admin(), "/api/v1/audit?action=" + action + "&target_id=" + keyId).expect(200)
                .path("items").valueStream().map(e -> e.path("actor").asString()).toList();
    }

    private static void revokedFor(CertificateStatus status, int reason) {
        assertThat(status).isInstanceOfSatisfying(RevokedStatus.class,
                r -> assertThat(r.getRevocationReason()).isEqualTo(reason));
    }

    @Test
    void operatorsRotateAndRevokeTheSigningKeyAndTheOldCertificateIsRevokedOnTheCrlAndOcsp() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        String viewer = token(tenant, "viewer");
        api.get(viewer, KEY).expectProblem(404, "NOT_FOUND"); // none before the first manifest is signed
        campaign(d.id()); // (its MQTT notify, published at once, may sign the first manifest)
        X509Certificate first = signer(d);
        JsonNode key = api.get(viewer, KEY).expect(200);
        assertThat(TlsClient.parse(key.path("certificate_pem").asString()).get(0)).isEqualTo(first);
        assertThat(TlsClient.parse(key.path("chain_pem").asString())).containsExactly(first, issuing, root);
        assertThat(key.path("status").asString()).isEqualTo("ACTIVE");
        assertThat(key.path("ca_id").asString()).isEqualTo(issuingId);
        assertThat(key.path("serial").asString()).isEqualTo(first.getSerialNumber().toString(16));
        assertThat(key.toString()).doesNotContain("PRIVATE KEY").doesNotContain("sealed").doesNotContain("v1:");
        assertThat(ocsp(issuingId, issuing, first)).isEqualTo(CertificateStatus.GOOD);

        // Only admins rotate; a bad body changes nothing.
        api.post(viewer, KEY + "/rotate", Map.of()).expectProblem(403, "FORBIDDEN");
        api.post(token(tenant, "operator"), KEY + "/revoke", Map.of()).expectProblem(403, "FORBIDDEN");
        api.post(tenant.admin(), KEY + "/rotate", Map.of("reason", "tired")).expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), KEY + "/rotate", Map.of("colour", "red")).expectProblem(400, "UNKNOWN_FIELD");
        assertThat(signer(d)).isEqualTo(first);
        assertThat(crl(issuingId, issuing).isRevoked(first)).isFalse();

        JsonNode rotated = api.post(tenant.admin(), KEY + "/rotate", null).expect(200);
        X509Certificate second = TlsClient.parse(rotated.path("certificate_pem").asString()).get(0);
        assertThat(second).isNotEqualTo(first);
        assertThat(second.getPublicKey()).isNotEqualTo(first.getPublicKey());
        assertThat(signer(d)).as("manifests signed afterwards carry the new chain").isEqualTo(second);
        assertThat(api.get(viewer, KEY).expect(200).path("id").asString()).isEqualTo(rotated.path("id").asString());
        revokedFor(ocsp(issuingId, issuing, first), CRLReason.superseded);
        X509CRL crl = crl(issuingId, issuing);
        assertThat(crl.isRevoked(first)).isTrue();
        assertThat(crl.isRevoked(second)).isFalse();
        assertThat(ocsp(issuingId, issuing, second)).isEqualTo(CertificateStatus.GOOD);
        assertThat(audited("code_signing_key.rotate", rotated.path("id").asString()))
                .containsExactly(tenant.adminActor());
        assertThat(audited("code_signing_key.revoke", key.path("id").asString())).containsExactly(tenant.adminActor());

        JsonNode revoked = api.post(tenant.admin(), KEY + "/revoke", Map.of("reason", "keyCompromise")).expect(200);
        assertThat(revoked.path("id").asString()).isEqualTo(rotated.path("id").asString());
        assertThat(revoked.path("status").asString()).isEqualTo("REVOKED");
        assertThat(revoked.path("revocation_reason").asString()).isEqualTo("keyCompromise");
        api.get(viewer, KEY).expectProblem(404, "NOT_FOUND");
        revokedFor(ocsp(issuingId, issuing, second), CRLReason.keyCompromise);
        assertThat(crl(issuingId, issuing).isRevoked(second)).isTrue();
        X509Certificate third = signer(d); // a new key on the next signature
        assertThat(third).isNotIn(first, second);
        assertThat(ocsp(issuingId, issuing, third)).isEqualTo(CertificateStatus.GOOD);

        // Another tenant sees none of it, and without a CA cannot rotate.
        TestTenant other = newTenant();
        api.get(other.admin(), KEY).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), KEY + "/revoke", null).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), KEY + "/rotate", null).expectProblem(409, "CONFLICT");
        assertThat(signer(d)).isEqualTo(third);
    }

    @Test
    void aNewDefaultCaRevokesTheSigningKeyOfTheOldOneAtOnce() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "gw-1");
        campaign(d.id());
        X509Certificate first = signer(d);
        JsonNode next = api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "issuing-2", "parent_id", rootId))
                .expect(201);
        String nextId = next.path("id").asString();
        X509Certificate nextCa = TlsClient.parse(next.path("certificate_pem").asString()).get(0);
        assertThat(signer(d)).as("a new CA that is not the default changes nothing").isEqualTo(first);

        api.call("PUT", "/api/v1/pki/policy").token(tenant.admin()).body(Map.of("renewal_window_days", 30,
                "critical_window_days", 7, "overlap_hours", 24, "device_validity_days", 365, "default_ca_id", nextId))
                .send().expect(200);
        // At once, before anything is signed again.
        revokedFor(ocsp(issuingId, issuing, first), CRLReason.superseded);
        assertThat(crl(issuingId, issuing).isRevoked(first)).isTrue();
        api.get(tenant.admin(), KEY).expectProblem(404, "NOT_FOUND");

        String jws = port.call("GET", "/device/v1/ota/next", Map.of("X-Device-Key", d.key()), null).expect(200)
                .path("signature").asString();
        verify(jws, root);
        List<X509Certificate> chain = chain(JWSObject.parse(jws));
        assertThat(chain).containsExactly(chain.get(0), nextCa, root);
        assertThat(chain.get(0).getIssuerX500Principal()).isEqualTo(nextCa.getSubjectX500Principal());
        assertThat(ocsp(nextId, nextCa, chain.get(0))).isEqualTo(CertificateStatus.GOOD);
        assertThat(api.get(tenant.admin(), KEY).expect(200).path("ca_id").asString()).isEqualTo(nextId);
    }

    private Path write(String name, List<X509Certificate> certs) throws Exception {
        Path file = dir.resolve(name);
        try (JcaPEMWriter w = new JcaPEMWriter(Files.newBufferedWriter(file))) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
        }
        return file;
    }
}
