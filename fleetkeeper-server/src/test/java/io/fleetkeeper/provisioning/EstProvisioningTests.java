package io.fleetkeeper.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.est.ESTException;
import org.bouncycastle.est.ESTService;
import org.bouncycastle.est.EnrollmentResponse;
import org.bouncycastle.est.jcajce.JcaHttpAuthBuilder;
import org.bouncycastle.est.jcajce.JsseESTServiceBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * EST {@code simpleenroll} as a provisioning path, with BouncyCastle's EST client over real TLS: a claim
 * token as the HTTP Basic password, and a factory certificate whose serial is in a manifest.
 */
class EstProvisioningTests extends ApiTest {

    @Autowired
    DeviceListener listener;

    String tenantWithCa(TestTenant t) {
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        return api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201)
                .path("id").asString();
    }

    X509TrustManager trustPlatform() throws Exception {
        String pem = api.call("GET", "/pki/v1/platform/ca.pem").send().body();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("platform", CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    @Test
    void simpleenrollWithAClaimTokenAsBasicPasswordCreatesTheDevice() throws Exception {
        TestTenant t = newTenant();
        tenantWithCa(t);
        String template = api.post(t.admin(), "/api/v1/templates", Map.of("name", "est-meter", "device_type", "meter",
                "sensors", List.of(Map.of("key", "temperature", "data_type", "number")))).expect(201).path("id")
                .asString();
        String token = api.post(t.admin(), "/api/v1/claim-tokens", Map.of("label", "est", "device_type", "meter",
                "max_uses", 1, "expires_at", Instant.now().plus(1, ChronoUnit.DAYS).toString(), "template_id",
                template)).expect(201).path("token").asString();
        ESTService est = new JsseESTServiceBuilder("localhost:" + listener.port(), trustPlatform()).build();
        KeyPair kp = Csrs.p256();
        EnrollmentResponse r = est.simpleEnroll(false, Csrs.csr(kp, "ignored", false),
                new JcaHttpAuthBuilder("fleetkeeper-est", "device", token.toCharArray())
                        .setNonceGenerator(new SecureRandom()).build());
        X509CertificateHolder issued = (X509CertificateHolder) r.getStore().getMatches(null).iterator().next();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(issued);
        assertThat(cert.getPublicKey()).isEqualTo(kp.getPublic());
        String deviceId = cert.getSubjectX500Principal().getName().replaceAll(".*CN=([0-9a-f-]{36}).*", "$1");
        JsonNode d = api.get(t.admin(), "/api/v1/devices/" + deviceId).expect(200);
        assertThat(d.path("device_type").asString()).isEqualTo("meter");
        assertThat(d.path("identity_status").asString()).isEqualTo("ACTIVE");
        assertThat(d.path("template_id").asString()).as("the claim token's template").isEqualTo(template);
        assertThat(api.get(t.admin(), "/api/v1/devices/" + deviceId + "/sensors").expect(200).path("items").get(0)
                .path("key").asString()).isEqualTo("temperature");
        // The token had one use: a second enrollment with it is refused, and creates nothing.
        assertThatThrownBy(() -> est.simpleEnroll(false, Csrs.csr(Csrs.p256(), "x", false),
                new JcaHttpAuthBuilder("fleetkeeper-est", "device", token.toCharArray())
                        .setNonceGenerator(new SecureRandom()).build()))
                .isInstanceOf(ESTException.class);
        assertThat(stats(t.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void simpleenrollWithAFactoryCertificateBootstrapsTheManifestSerial() throws Exception {
        TestTenant t = newTenant();
        tenantWithCa(t);
        KeyPair factoryKey = Csrs.p256();
        X509Certificate factoryRoot = cert(new X500Name("CN=Acme Factory Root"), new X500Name("CN=Acme Factory Root"),
                factoryKey, factoryKey, true);
        api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "acme-factory", "certificate_pem",
                Csrs.pem(factoryRoot))).expect(201);
        api.call("POST", "/api/v1/manifests/import?name=batch-1").token(t.admin())
                .body("text/csv", java.net.http.HttpRequest.BodyPublishers.ofString(
                        "serial,device_type,metadata.region\nEST-SN-9,meter,eu\n")).send().expect(201);
        KeyPair deviceFactoryKey = Csrs.p256();
        X509Certificate factoryCert = cert(new X500Name("CN=Acme Factory Root"),
                new X500Name("CN=EST-SN-9, O=Acme"), deviceFactoryKey, factoryKey, false);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("factory", deviceFactoryKey.getPrivate(), new char[0],
                new X509Certificate[] {factoryCert, factoryRoot});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        ESTService est = new JsseESTServiceBuilder("localhost:" + listener.port(), trustPlatform())
                .withKeyManagers(kmf.getKeyManagers()).build();
        KeyPair operational = Csrs.p256();
        EnrollmentResponse r = est.simpleEnroll(false, Csrs.csr(operational, "x", false), null);
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                (X509CertificateHolder) r.getStore().getMatches(null).iterator().next());
        String deviceId = cert.getSubjectX500Principal().getName().replaceAll(".*CN=([0-9a-f-]{36}).*", "$1");
        JsonNode d = api.get(t.admin(), "/api/v1/devices/" + deviceId).expect(200);
        assertThat(d.path("serial").asString()).isEqualTo("EST-SN-9");
        assertThat(d.path("status").asString()).isEqualTo("provisioning");
        assertThat(d.path("metadata").path("region").asString()).isEqualTo("eu");
        assertThat(api.get(t.admin(), "/api/v1/devices/" + deviceId + "/provenance").expect(200).path("method")
                .asString()).isEqualTo("bootstrap");
    }

    @Test
    void simpleenrollWithoutAnyCredentialIsChallenged() throws Exception {
        ESTService est = new JsseESTServiceBuilder("localhost:" + listener.port(), trustPlatform()).build();
        assertThatThrownBy(() -> est.simpleEnroll(false, Csrs.csr(Csrs.p256(), "x", false), null))
                .isInstanceOfSatisfying(ESTException.class, e -> assertThat(e.getStatusCode()).isEqualTo(401));
    }

    static X509Certificate cert(X500Name issuer, X500Name subject, KeyPair subjectKey, KeyPair issuerKey, boolean ca)
            throws Exception {
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(365, ChronoUnit.DAYS)), subject,
                subjectKey.getPublic());
        b.addExtension(Extension.basicConstraints, true, ca ? new BasicConstraints(true) : new BasicConstraints(false));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }
}
