package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Credential;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.est.ESTException;
import org.bouncycastle.est.EnrollmentResponse;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Server-side key generation on the device listener over real TLS: EST {@code serverkeygen} with BouncyCastle's
 * EST client, and its JSON twin {@code /device/v1/certificates/serverkeygen}. The server makes the key pair,
 * issues the certificate into the presented certificate's slot, and hands the private key over once.
 */
class ServerKeyGenTests extends ApiTest {

    private static final String SERVERKEYGEN = "/.well-known/est/serverkeygen";
    private static final String JSON_SERVERKEYGEN = "/device/v1/certificates/serverkeygen";

    @Autowired
    private DeviceListener listener;

    private MqttDevices devices;
    private TlsClient tls;
    private TestTenant tenant;
    private CertDevice device;

    @BeforeEach
    void device() throws Exception {
        devices = new MqttDevices(api);
        tls = new TlsClient(api, listener.port());
        tenant = newTenant();
        devices.cas(tenant);
        device = devices.certDevice(tenant, "pump");
    }

    @Test
    void estClientGetsAServerGeneratedKeyAndACertificateForIt() throws Exception {
        KeyPair placeholder = Csrs.p256();
        EnrollmentResponse r = tls.est(null, credential(device))
                .simpleEnrollWithServersideCreation(Csrs.csr(placeholder, "ignored", false), null);

        PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(r.getPrivateKeyInfo());
        X509Certificate issued = single(r);
        assertThat(key).isInstanceOf(ECPrivateKey.class);
        assertMatches(key, issued);
        assertThat(issued.getPublicKey()).isNotEqualTo(placeholder.getPublic());
        assertIssuedToDevice(issued);

        // The new key and certificate are the device's credential now: they authenticate the next request.
        Credential next = new Credential(new KeyPair(issued.getPublicKey(), key), issued, device.chain()[1],
                device.chain()[2]);
        X509Certificate again = single(tls.est(null, next)
                .simpleEnrollWithServersideCreation(Csrs.csr(Csrs.p256(), "x", false), null));
        assertIssuedToDevice(again);
        // Both server-generated keys renew the identity the device was provisioned with.
        assertThat(eventTypes()).containsExactly("RENEWED", "RENEWED", "PROVISIONED", "CERTIFICATE-ISSUED", "CREATED");
    }

    @Test
    void theNewCertificateSupersedesTheOldOneByTheOverlapPolicy() throws Exception {
        // The default overlap (24 h) keeps the old certificate working for now.
        X509Certificate first = single(tls.est(null, credential(device))
                .simpleEnrollWithServersideCreation(Csrs.csr(Csrs.p256(), "x", false), null));
        assertThat(certificates()).filteredOn(c -> c.path("primary").asBoolean())
                .singleElement().satisfies(c -> assertThat(c.path("serial").asString())
                        .isEqualTo(first.getSerialNumber().toString(16)));
        assertThat(tls.post(JSON_SERVERKEYGEN, "application/json", "", credential(device)).status()).isEqualTo(200);

        // Without overlap, the certificate the key replaced is out at once.
        api.call("PUT", "/api/v1/pki/policy").token(tenant.admin()).body(Map.of("renewal_window_days", 30,
                "critical_window_days", 7, "overlap_hours", 0, "device_validity_days", 365)).send().expect(200);
        CertDevice current = devices.certificateFor(tenant, device.id());
        single(tls.est(null, credential(current))
                .simpleEnrollWithServersideCreation(Csrs.csr(Csrs.p256(), "x", false), null));
        assertThatThrownBy(() -> tls.est(null, credential(current))
                .simpleEnrollWithServersideCreation(Csrs.csr(Csrs.p256(), "x", false), null))
                .isInstanceOfSatisfying(ESTException.class, e -> assertThat(e.getStatusCode()).isEqualTo(401));
    }

    @Test
    void jsonEndpointReturnsKeyCertificateAndChain() throws Exception {
        Reply reply = tls.post(JSON_SERVERKEYGEN, "application/json", "", credential(device));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.headers().firstValue("Cache-Control")).hasValueSatisfying(
                v -> assertThat(v).contains("no-store"));
        JsonNode body = reply.json();
        X509Certificate issued = TlsClient.parse(body.path("certificate_pem").asString()).get(0);
        String keyPem = body.path("private_key_pem").asString();
        assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----");
        PrivateKey key;
        try (PEMParser p = new PEMParser(new StringReader(keyPem))) {
            key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
        }
        assertMatches(key, issued);
        assertIssuedToDevice(issued);
        assertThat(TlsClient.parse(body.path("chain_pem").asString()))
                .containsExactly(issued, device.chain()[1], device.chain()[2]);
        String certificateId = body.path("certificate_id").asString();
        assertThat(certificates()).hasSize(2).anySatisfy(c -> assertThat(c.path("id").asString())
                .isEqualTo(certificateId));
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=certificate.issued&target_id=" + certificateId)
                .expect(200).path("items").valueStream().map(e -> e.path("actor").asString()))
                .containsExactly("device:" + device.id());
    }

    @Test
    void estAnswerIsMultipartWithTheKeyFirstAndIsNotCached() {
        Reply reply = tls.post(SERVERKEYGEN, "application/pkcs10", TlsClient.estBody(Csrs.csr(Csrs.p256(), "x",
                false)), credential(device));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("multipart/mixed").contains("boundary="));
        assertThat(reply.headers().firstValue("Cache-Control")).hasValueSatisfying(
                v -> assertThat(v).contains("no-store"));
        assertThat(reply.body().indexOf("Content-Type: application/pkcs8"))
                .isNotNegative().isLessThan(reply.body().indexOf("Content-Type: application/pkcs7-mime"));
        assertThat(reply.body()).doesNotContain("-----BEGIN");
    }

    @Test
    void badRequestsAreClear400sAndIssueNothing() throws Exception {
        Credential me = credential(device);

        assertProblem(tls.post(SERVERKEYGEN, "application/pkcs10", "", me), 400, "MALFORMED_REQUEST");
        assertProblem(tls.post(SERVERKEYGEN, "application/pkcs10", "%%% not base64 %%%", me), 400,
                "MALFORMED_REQUEST");
        assertProblem(tls.post(SERVERKEYGEN, "application/pkcs10", "aGVsbG8gd29ybGQ=", me), 400,
                "VALIDATION_FAILED");
        assertProblem(tls.post(SERVERKEYGEN, "application/json", TlsClient.estBody(Csrs.csr(Csrs.p256(), "x",
                false)), me), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertThat(certificates()).hasSize(1);
    }

    @Test
    void withoutADeviceCertificateItIsUnauthenticated() {
        String body = TlsClient.estBody(Csrs.csr(Csrs.p256(), "x", false));
        assertThat(tls.post("/.well-known/est/" + tenant.id() + "/serverkeygen", "application/pkcs10", body, null)
                .status()).isEqualTo(401);
        assertThat(tls.post(JSON_SERVERKEYGEN, "application/json", "", null).status()).isEqualTo(401);
        assertThat(certificates()).hasSize(1);
    }

    @Test
    void anotherTenantsLabelIsNotFound() throws Exception {
        TestTenant other = newTenant();
        devices.cas(other);

        for (String label : List.of(other.id(), other.id() + ".issuing", "nosuchca")) {
            assertThatThrownBy(() -> tls.est(label, credential(device))
                    .simpleEnrollWithServersideCreation(Csrs.csr(Csrs.p256(), "x", false), null))
                    .isInstanceOfSatisfying(ESTException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
        }
        X509Certificate labelled = single(tls.est(tenant.id() + ".issuing", credential(device))
                .simpleEnrollWithServersideCreation(Csrs.csr(Csrs.p256(), "x", false), null));
        assertIssuedToDevice(labelled);
        assertThat(certificates()).hasSize(2);
    }

    // --- helpers -------------------------------------------------------------------------------------

    private static Credential credential(CertDevice d) {
        return new Credential(d.key(), d.chain());
    }

    private List<JsonNode> certificates() {
        return api.get(tenant.admin(), "/api/v1/devices/" + device.id() + "/certificates").expect(200)
                .path("items").valueStream().toList();
    }

    private List<String> eventTypes() {
        return api.get(tenant.admin(), "/api/v1/devices/" + device.id() + "/events").expect(200).path("items")
                .valueStream().map(e -> e.path("type").asString()).toList();
    }

    /** The private key signs what the certificate's public key verifies. */
    private static void assertMatches(PrivateKey key, X509Certificate cert) throws Exception {
        byte[] data = "proof".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] sig = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(cert.getPublicKey());
        verifier.update(data);
        assertThat(verifier.verify(sig)).as("the key matches the certificate").isTrue();
    }

    /** Chains to the tenant's root through its issuing CA, and names the device. */
    private void assertIssuedToDevice(X509Certificate cert) throws Exception {
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(device.chain()[2], null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(List.of(cert, device.chain()[1])), params);
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        assertThat(IETFUtils.valueToString(subject.getRDNs(BCStyle.CN)[0].getFirst().getValue()))
                .isEqualTo(device.id());
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    }

    private static X509Certificate single(EnrollmentResponse r) throws Exception {
        var holders = r.getStore().getMatches(null);
        assertThat(holders).hasSize(1);
        return new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) holders.iterator().next());
    }

    private static void assertProblem(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(reply.json().path("code").asString()).isEqualTo(code);
    }
}
