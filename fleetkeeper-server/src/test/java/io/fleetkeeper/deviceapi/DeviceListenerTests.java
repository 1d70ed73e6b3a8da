package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.est.ESTException;
import org.bouncycastle.est.ESTService;
import org.bouncycastle.est.jcajce.JsseESTServiceBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device listener over real TLS: EST with BouncyCastle's EST client, the JSON renewal endpoint, the
 * separation of the two ports, and device authentication by client certificate.
 */
class DeviceListenerTests extends ApiTest {

    private static final String EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private DeviceListener listener;

    /** A tenant with a root and an issuing CA, and a device holding a certificate from the issuing CA. */
    private record Fixture(TestTenant tenant, String deviceId, KeyPair key, X509Certificate[] chain,
            String certificateId, X509Certificate issuingCa, X509Certificate rootCa) {
    }

    @Test
    void estClientFetchesCaCertsAndEnrollsAndReenrollsOverTls() throws Exception {
        Fixture f = enrolledDevice();

        ESTService est = est(null, f.key(), f.chain());
        List<X509Certificate> cacerts = certificates(est.getCACerts().getCertificateStore().getMatches(null));
        assertThat(cacerts).containsExactlyInAnyOrder(f.issuingCa(), f.rootCa());

        KeyPair newKey = p256();
        X509Certificate enrolled = single(est.simpleEnroll(false, csr(newKey), null).getStore().getMatches(null));
        assertIssuedToDevice(enrolled, f);
        assertThat(enrolled.getPublicKey()).isEqualTo(newKey.getPublic());
        assertThat(recordedSerials(f)).contains(enrolled.getSerialNumber().toString(16));

        // Re-enroll with a fresh key, authenticated by the certificate just enrolled.
        KeyPair rekey = p256();
        ESTService asEnrolled = est(null, newKey, enrolled, f.issuingCa(), f.rootCa());
        X509Certificate reenrolled = single(asEnrolled.simpleEnroll(true, csr(rekey), null).getStore()
                .getMatches(null));
        assertIssuedToDevice(reenrolled, f);
        assertThat(reenrolled.getSubjectX500Principal()).isEqualTo(enrolled.getSubjectX500Principal());
        assertThat(reenrolled.getSubjectAlternativeNames())
                .containsExactlyElementsOf(enrolled.getSubjectAlternativeNames());
        assertThat(reenrolled.getPublicKey()).isEqualTo(rekey.getPublic());
        assertThat(reenrolled.getSerialNumber()).isNotEqualTo(enrolled.getSerialNumber());
        // simpleenroll issues; simplereenroll renews; the first certificate provisioned the device, once.
        assertThat(eventTypes(f)).containsExactly("RENEWED", "CERTIFICATE-ISSUED", "PROVISIONED",
                "CERTIFICATE-ISSUED", "CREATED");
    }

    @Test
    void cacertsNeedsNoClientCertificateWhenTheLabelNamesTheTenant() throws Exception {
        Fixture f = enrolledDevice();

        ESTService byTenant = est(f.tenant().id(), null);
        assertThat(certificates(byTenant.getCACerts().getCertificateStore().getMatches(null)))
                .containsExactlyInAnyOrder(f.issuingCa(), f.rootCa());
        ESTService byTenantAndCa = est(f.tenant().id() + ".root", null);
        assertThat(certificates(byTenantAndCa.getCACerts().getCertificateStore().getMatches(null)))
                .containsExactly(f.rootCa());
        assertThat(byTenant.getCSRAttributes().hasAttributesResponse()).isFalse();

        assertThat(device("GET", "/.well-known/est/cacerts", null, null, null).statusCode()).isEqualTo(404);
        assertThat(device("GET", "/.well-known/est/issuing/cacerts", null, null, null).statusCode()).isEqualTo(404);
        String unknownTenant = "/.well-known/est/00000000-0000-7000-8000-000000000000/cacerts";
        assertThat(device("GET", unknownTenant, null, null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> labelled = device("GET", "/.well-known/est/issuing/cacerts", null, null, f.key(),
                f.chain());
        assertThat(labelled.statusCode()).isEqualTo(200);
        assertThat(labelled.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/pkcs7-mime").contains("smime-type=certs-only"));
        assertThat(labelled.headers().firstValue("Content-Transfer-Encoding")).hasValue("base64");
    }

    @Test
    void cacertsServesTheIssuingCaFirstThenItsParentsUpToTheRoot() throws Exception {
        Fixture f = enrolledDevice();

        ESTService byTenant = est(f.tenant().id(), null);
        assertThat(certificates(byTenant.getCACerts().getCertificateStore().getMatches(null)))
                .containsExactly(f.issuingCa(), f.rootCa());
        HttpResponse<String> raw = device("GET", "/.well-known/est/" + f.tenant().id() + "/cacerts", null, null,
                null);
        CMSSignedData parsed = new CMSSignedData(Base64.getMimeDecoder().decode(raw.body()));
        assertThat(certificates(parsed.getCertificates().getMatches(null)))
                .containsExactly(f.issuingCa(), f.rootCa());
    }

    @Test
    void enrollWithoutClientCertificateIsUnauthenticated() throws Exception {
        Fixture f = enrolledDevice();

        assertThatThrownBy(() -> est(f.tenant().id(), null).simpleEnroll(false, csr(p256()), null))
                .isInstanceOfSatisfying(ESTException.class, e -> assertThat(e.getStatusCode()).isEqualTo(401));
        HttpResponse<String> raw = device("POST", "/.well-known/est/simpleenroll", "application/pkcs10",
                base64(csr(p256())), null);
        // An EST challenge has no body (EST clients retry with credentials and read nothing from it) and
        // offers both ways in: a client certificate, or a claim token as the HTTP Basic password.
        assertThat(raw.statusCode()).isEqualTo(401);
        assertThat(raw.body()).isEmpty();
        assertThat(raw.headers().allValues("WWW-Authenticate")).anySatisfy(
                v -> assertThat(v).startsWith("TLS-Client-Certificate")).anySatisfy(
                v -> assertThat(v).startsWith("Basic realm="));
    }

    @Test
    void revokedCertificateCannotReenroll() throws Exception {
        Fixture f = enrolledDevice();
        api.post(f.tenant().admin(), "/api/v1/certificates/" + f.certificateId() + "/revoke",
                Map.of("reason", "keyCompromise")).expect(200);

        assertThatThrownBy(() -> est(null, f.key(), f.chain()).simpleEnroll(true, csr(p256()), null))
                .isInstanceOfSatisfying(ESTException.class, e -> assertThat(e.getStatusCode()).isEqualTo(401));
        assertProblem(device("POST", "/device/v1/certificates/renew", "application/json",
                renewBody(p256()), f.key(), f.chain()), 401, "UNAUTHENTICATED");
    }

    @Test
    void certificateOfAnotherTenantGetsNothingForThisTenantsLabel() throws Exception {
        Fixture mine = enrolledDevice();
        Fixture other = enrolledDevice();

        for (String label : List.of(mine.tenant().id(), mine.tenant().id() + ".issuing")) {
            assertThatThrownBy(() -> est(label, other.key(), other.chain()).simpleEnroll(false, csr(p256()), null))
                    .isInstanceOfSatisfying(ESTException.class,
                            e -> assertThat(e.getStatusCode()).isEqualTo(404));
        }
        assertThat(recordedSerials(mine)).hasSize(1);
        // A self-made CA carrying the same subject as this tenant's issuing CA does not pass either.
        KeyPair key = p256();
        assertProblem(device("POST", "/.well-known/est/simpleenroll", "application/pkcs10", base64(csr(p256())),
                key, selfSigned(key, mine.issuingCa())), 401, "UNAUTHENTICATED");
    }

    @Test
    void suspendedDeviceIsForbidden() throws Exception {
        Fixture f = enrolledDevice();
        api.post(f.tenant().admin(), "/api/v1/devices/" + f.deviceId() + "/suspend", null).expect(200);

        assertProblem(device("POST", "/.well-known/est/simplereenroll", "application/pkcs10", base64(csr(p256())),
                f.key(), f.chain()), 403, "FORBIDDEN");
    }

    @Test
    void malformedEnrollmentBodiesAreRejected() throws Exception {
        Fixture f = enrolledDevice();
        String path = "/.well-known/est/simpleenroll";

        assertProblem(device("POST", path, "application/pkcs10", "%%% not base64 %%%".getBytes(), f.key(),
                f.chain()), 400, "MALFORMED_REQUEST");
        assertProblem(device("POST", path, "application/pkcs10", "aGVsbG8gd29ybGQ=".getBytes(), f.key(),
                f.chain()), 400, "VALIDATION_FAILED");
        KeyPair a = p256();
        PKCS10CertificationRequest forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"),
                a.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(p256().getPrivate()));
        assertProblem(device("POST", path, "application/pkcs10", base64(forged), f.key(), f.chain()), 400,
                "VALIDATION_FAILED");
        assertProblem(device("POST", path, "application/json", base64(csr(p256())), f.key(), f.chain()), 415,
                "UNSUPPORTED_MEDIA_TYPE");
        assertThat(recordedSerials(f)).hasSize(1);

        // Whitespace, line breaks and a Content-Transfer-Encoding header are all fine (RFC 8951).
        String wrapped = Base64.getMimeEncoder(20, "\n".getBytes()).encodeToString(csr(p256()).getEncoded());
        assertThat(device("POST", path, "application/pkcs10", (" " + wrapped + "\n\n").getBytes(), f.key(),
                f.chain()).statusCode()).isEqualTo(200);
    }

    @Test
    void deviceRenewsItsCertificateOverJson() throws Exception {
        Fixture f = enrolledDevice();
        KeyPair next = p256();

        HttpResponse<String> reply = device("POST", "/device/v1/certificates/renew", "application/json",
                renewBody(next), f.key(), f.chain());
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(reply.body());
        X509Certificate renewed = TlsClient.parse(body.path("certificate_pem").asString()).get(0);
        assertIssuedToDevice(renewed, f);
        assertThat(renewed.getPublicKey()).isEqualTo(next.getPublic());
        assertThat(TlsClient.parse(body.path("chain_pem").asString())).containsExactly(renewed, f.issuingCa(), f.rootCa());
        assertThat(eventTypes(f)).containsExactly("RENEWED", "PROVISIONED", "CERTIFICATE-ISSUED", "CREATED");
    }

    @Test
    void clientCertificatesWorkOverTls12AndTls13() throws Exception {
        Fixture f = enrolledDevice();
        for (String version : List.of("TLSv1.2", "TLSv1.3")) {
            HttpResponse<String> reply = device(version, "POST", "/.well-known/est/simpleenroll", "application/pkcs10",
                    base64(csr(p256())), f.key(), f.chain());
            assertThat(reply.statusCode()).as("%s: %s", version, reply.body()).isEqualTo(200);
            assertThat(reply.sslSession()).hasValueSatisfying(
                    s -> assertThat(s.getProtocol()).isEqualTo(version));
        }
    }

    @Test
    void serverCertificateIsIssuedByThePlatformCa() throws Exception {
        try (SSLSocket socket = (SSLSocket) tls(null).getSocketFactory().createSocket("localhost", listener.port())) {
            socket.startHandshake();
            X509Certificate server = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            assertThat(server.getExtendedKeyUsage()).containsExactly(EKU_SERVER_AUTH);
            assertThat(server.getBasicConstraints()).isEqualTo(-1);
            assertThat(server.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))))
                    .containsExactlyInAnyOrder("localhost", "127.0.0.1");
            assertThat(Duration.between(server.getNotBefore().toInstant(), server.getNotAfter().toInstant()))
                    .isLessThanOrEqualTo(Duration.ofDays(90).plusMinutes(5));
            server.verify(platformCa().getPublicKey());
            assertThat(socket.getSession().getProtocol()).isIn("TLSv1.2", "TLSv1.3");
        }
    }

    @Test
    void managementPathsAreNotServedOnTheDevicePort() throws Exception {
        Fixture f = enrolledDevice();
        for (String path : List.of("/api/v1/devices", "/actuator/health/liveness", "/v3/api-docs",
                "/pki/v1/platform/ca.pem", "/swagger-ui.html")) {
            assertProblem(device("GET", path, null, null, f.key(), f.chain()), 404, "NOT_FOUND");
        }
    }

    @Test
    void devicePathsAreNotServedOnTheManagementPort() {
        TestTenant t = newTenant();
        api.get(null, "/.well-known/est/" + t.id() + "/cacerts").expectProblem(404, "NOT_FOUND");
        api.get(null, "/.well-known/est/cacerts").expectProblem(404, "NOT_FOUND");
        api.post(t.admin(), "/device/v1/certificates/renew", Map.of("csr", "x")).expectProblem(404, "NOT_FOUND");
    }

    // --- fixture -------------------------------------------------------------------------------------

    private Fixture enrolledDevice() throws Exception {
        TestTenant t = newTenant();
        JsonNode root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        JsonNode issuing = api.post(t.admin(), "/api/v1/pki/cas",
                Map.of("name", "issuing", "parent_id", root.path("id").asString())).expect(201);
        String deviceId = createDevice(t.admin(), device("pump")).path("id").asString();
        KeyPair key = p256();
        JsonNode issued = api.post(t.admin(), "/api/v1/devices/" + deviceId + "/certificates",
                Map.of("csr", pem(csr(key)))).expect(201);
        X509Certificate[] chain = TlsClient.parse(issued.path("chain_pem").asString()).toArray(X509Certificate[]::new);
        return new Fixture(t, deviceId, key, chain, issued.path("certificate").path("id").asString(),
                TlsClient.parse(issuing.path("certificate_pem").asString()).get(0),
                TlsClient.parse(root.path("certificate_pem").asString()).get(0));
    }

    private List<String> eventTypes(Fixture f) {
        return api.get(f.tenant().admin(), "/api/v1/devices/" + f.deviceId() + "/events").expect(200).path("items")
                .findValuesAsString("type");
    }

    private List<String> recordedSerials(Fixture f) {
        return api.get(f.tenant().admin(), "/api/v1/devices/" + f.deviceId() + "/certificates").expect(200)
                .path("items").valueStream().map(c -> c.path("serial").asString()).toList();
    }

    /** Chains to the tenant's CAs, names the device, is an end entity for TLS client authentication. */
    private static void assertIssuedToDevice(X509Certificate cert, Fixture f) throws Exception {
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(f.rootCa(), null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(List.of(cert, f.issuingCa())), params);
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        assertThat(IETFUtils.valueToString(subject.getRDNs(BCStyle.CN)[0].getFirst().getValue()))
                .isEqualTo(f.deviceId());
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getExtendedKeyUsage()).contains(EKU_CLIENT_AUTH);
    }

    // --- clients -------------------------------------------------------------------------------------

    /** BouncyCastle's EST client, trusting the platform CA; with a client certificate when a key is given. */
    private ESTService est(String label, KeyPair key, X509Certificate... chain) throws Exception {
        JsseESTServiceBuilder builder = new JsseESTServiceBuilder("localhost:" + listener.port(),
                (X509TrustManager) trustPlatformCa().getTrustManagers()[0]);
        if (key != null) {
            builder.withKeyManagers(keyManagers(key, chain));
        }
        if (label != null) {
            builder.withLabel(label);
        }
        return builder.build();
    }

    /** A raw HTTPS request to the device listener (TLS 1.3). */
    private HttpResponse<String> device(String method, String path, String contentType, byte[] body, KeyPair key,
            X509Certificate... chain) throws Exception {
        return device("TLSv1.3", method, path, contentType, body, key, chain);
    }

    private HttpResponse<String> device(String tlsVersion, String method, String path, String contentType,
            byte[] body, KeyPair key, X509Certificate... chain) throws Exception {
        SSLContext tls = tls(key == null ? null : keyManagers(key, chain));
        SSLParameters params = tls.getDefaultSSLParameters();
        params.setProtocols(new String[] {tlsVersion});
        try (HttpClient client = HttpClient.newBuilder().sslContext(tls).sslParameters(params)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + listener.port()
                    + path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
            if (contentType != null) {
                request.header("Content-Type", contentType);
            }
            return client.send(request.build(), BodyHandlers.ofString());
        }
    }

    private SSLContext tls(KeyManager[] keyManagers) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers, trustPlatformCa().getTrustManagers(), null);
        return ctx;
    }

    /** Trusts the platform CA only, as a device would. */
    private TrustManagerFactory trustPlatformCa() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("platform", platformCa());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }

    private static KeyManager[] keyManagers(KeyPair key, X509Certificate... chain) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("device", key.getPrivate(), "pw".toCharArray(), chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
        return kmf.getKeyManagers();
    }

    private X509Certificate platformCa() {
        var reply = api.get(null, "/pki/v1/platform/ca.pem");
        assertThat(reply.status()).isEqualTo(200);
        return TlsClient.parse(reply.body()).get(0);
    }

    private static void assertProblem(HttpResponse<String> reply, int status, String code) {
        assertThat(reply.statusCode()).as("%s answered %s", reply.uri(), reply.body()).isEqualTo(status);
        assertThat(reply.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(reply.headers().firstValue("Content-Length")).isPresent();
        assertThat(JSON.readTree(reply.body()).path("code").asString()).isEqualTo(code);
    }

    // --- keys and certificates -----------------------------------------------------------------------

    private static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static PKCS10CertificationRequest csr(KeyPair key) throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=anything"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
    }

    private static byte[] base64(PKCS10CertificationRequest csr) throws Exception {
        return Base64.getEncoder().encode(csr.getEncoded());
    }

    private static byte[] renewBody(KeyPair key) throws Exception {
        return JSON.writeValueAsBytes(Map.of("csr", pem(csr(key))));
    }

    private static String pem(Object o) throws Exception {
        var out = new java.io.StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    /** A self-signed certificate for {@code key} that copies the subject of {@code impersonated}. */
    private static X509Certificate[] selfSigned(KeyPair key, X509Certificate impersonated) throws Exception {
        X500Name name = X500Name.getInstance(impersonated.getSubjectX500Principal().getEncoded());
        var now = java.time.Instant.now();
        var holder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.TEN,
                java.util.Date.from(now.minusSeconds(60)), java.util.Date.from(now.plusSeconds(3600)),
                new X500Name("CN=intruder"), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
        return new X509Certificate[] {new JcaX509CertificateConverter().getCertificate(holder)};
    }

    private static List<X509Certificate> certificates(Collection<X509CertificateHolder> holders) throws Exception {
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        List<X509Certificate> out = new java.util.ArrayList<>();
        for (X509CertificateHolder h : holders) {
            out.add(conv.getCertificate(h));
        }
        return out;
    }

    private static X509Certificate single(Collection<X509CertificateHolder> holders) throws Exception {
        assertThat(holders).hasSize(1);
        return certificates(holders).get(0);
    }
}
