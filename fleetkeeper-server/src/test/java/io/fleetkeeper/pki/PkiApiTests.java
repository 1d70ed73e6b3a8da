package io.fleetkeeper.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.Ocsp;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** The PKI through the management API, checked with independent tools: openssl and BouncyCastle's OCSP client. */
class PkiApiTests extends ApiTest {

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    /** A tenant with a root and an issuing CA. */
    record Pki(TestTenant tenant, String rootId, String issuingId) {
    }

    Pki pki() {
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        JsonNode issuing = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root))
                .expect(201);
        assertThat(issuing.path("is_default").asBoolean()).isTrue();
        return new Pki(t, root, issuing.path("id").asString());
    }

    String device(TestTenant t) {
        return createDevice(t.admin(), device("d")).path("id").asString();
    }

    JsonNode issue(TestTenant t, String deviceId, KeyPair kp) {
        return api.post(t.admin(), "/api/v1/devices/" + deviceId + "/certificates", Map.of("csr", Csrs.csrPem(kp)))
                .expect(201);
    }

    static X509Certificate x509(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void issuedCertificateFollowsTheRegistryProfileWhateverTheCsrAsks() throws Exception {
        Pki p = pki();
        String id = device(p.tenant());
        KeyPair kp = Csrs.p256();
        JsonNode issued = api.post(p.tenant().admin(), "/api/v1/devices/" + id + "/certificates",
                Map.of("csr", Csrs.pem(Csrs.csr(kp, "evil-ca", true)))).expect(201);
        X509Certificate c = x509(issued.path("certificate_pem").asString());
        assertThat(c.getSubjectX500Principal().getName()).contains("CN=" + id);
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(c.getPublicKey()).isEqualTo(kp.getPublic());
        assertThat(c.getSerialNumber().signum()).isPositive();
        assertThat(c.getSerialNumber().bitLength()).isBetween(100, 128);
        Collection<List<?>> sans = c.getSubjectAlternativeNames();
        assertThat(sans).anySatisfy(san -> assertThat(san.get(1)).isEqualTo("urn:fleetkeeper:device:" + id));
        assertThat(issued.path("chain_pem").asString()).contains("BEGIN CERTIFICATE");
        JsonNode d = api.get(p.tenant().admin(), "/api/v1/devices/" + id).expect(200);
        assertThat(d.path("identity_status").asString()).isEqualTo("ACTIVE");
        assertThat(api.get(p.tenant().admin(), "/api/v1/devices?identity_status=ACTIVE").expect(200)
                .path("items")).hasSize(1);
    }

    @Test
    void opensslVerifiesIssuedAndRejectsRevokedAgainstBundleAndCrl() throws Exception {
        assumeThat(Path.of("/usr/bin/openssl")).as("openssl is installed").exists();
        Pki p = pki();
        JsonNode issued = issue(p.tenant(), device(p.tenant()), Csrs.p256());
        Path dir = Files.createTempDirectory("fk-openssl");
        Path leaf = Files.writeString(dir.resolve("leaf.pem"), issued.path("certificate_pem").asString());
        String base = "/pki/v1/tenants/" + p.tenant().id() + "/cas/" + p.issuingId();
        String bundle = api.call("GET", base + "/ca.pem").send().body();
        assertThat(bundle).contains("BEGIN CERTIFICATE");
        assertThat(openssl(dir, leaf, bundle, api.call("GET", base + "/crl.pem").send().body())).contains("OK");
        api.post(p.tenant().admin(), "/api/v1/certificates/" + issued.path("certificate").path("id").asString()
                + "/revoke", Map.of("reason", "keyCompromise")).expect(200);
        assertThat(openssl(dir, leaf, bundle, api.call("GET", base + "/crl.pem").send().body()))
                .contains("certificate revoked");
        var crl = api.call("GET", base + "/crl").send();
        assertThat(crl.header("Content-Type")).isEqualTo("application/pkix-crl");
    }

    private static String openssl(Path dir, Path leaf, String bundle, String crl) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca-crl.pem"), bundle + crl);
        Process proc = new ProcessBuilder("openssl", "verify", "-crl_check", "-CAfile", ca.toString(),
                leaf.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        proc.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void ocspAnswersGoodThenRevokedWithTheReason() throws Exception {
        Pki p = pki();
        JsonNode issued = issue(p.tenant(), device(p.tenant()), Csrs.p256());
        X509Certificate leaf = x509(issued.path("certificate_pem").asString());
        String base = "/pki/v1/tenants/" + p.tenant().id() + "/cas/" + p.issuingId();
        X509Certificate ca = x509(api.call("GET", base + "/ca.pem").send().body());
        CertificateID certId = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(ca), leaf.getSerialNumber());
        byte[] request = new OCSPReqBuilder().addRequest(certId).build().getEncoded();

        BasicOCSPResp good = ocsp(base, request, ca, false);
        assertThat(good.getResponses()[0].getCertStatus()).isEqualTo(CertificateStatus.GOOD);

        api.post(p.tenant().admin(), "/api/v1/certificates/" + issued.path("certificate").path("id").asString()
                + "/revoke", Map.of("reason", "keyCompromise")).expect(200);
        BasicOCSPResp revoked = ocsp(base, request, ca, true);
        assertThat(revoked.getResponses()[0].getCertStatus()).isInstanceOfSatisfying(RevokedStatus.class,
                r -> assertThat(r.getRevocationReason()).isEqualTo(CRLReason.keyCompromise));

        CertificateID unknown = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(ca), BigInteger.valueOf(12345));
        BasicOCSPResp u = ocsp(base, new OCSPReqBuilder().addRequest(unknown).build().getEncoded(), ca, false);
        assertThat(u.getResponses()[0].getCertStatus()).isNotEqualTo(CertificateStatus.GOOD);
    }

    private BasicOCSPResp ocsp(String base, byte[] request, X509Certificate ca, boolean useGet) throws Exception {
        return Ocsp.ask("http://localhost:" + port + base + "/ocsp", request, ca, useGet);
    }

    @Test
    void crlAndOcspUrlsInCertificatesPointAtThisServer() throws Exception {
        Pki p = pki();
        X509Certificate leaf = x509(issue(p.tenant(), device(p.tenant()), Csrs.p256()).path("certificate_pem")
                .asString());
        String base = "http://localhost:" + port + "/pki/v1/tenants/" + p.tenant().id() + "/cas/" + p.issuingId();
        X509Certificate ca = x509(api.call("GET", URI.create(base).getPath() + "/ca.pem").send().body());
        Extensions extensions = new JcaX509CertificateHolder(leaf).getExtensions();

        GeneralName crlName = ((GeneralNames) CRLDistPoint.fromExtensions(extensions).getDistributionPoints()[0]
                .getDistributionPoint().getName()).getNames()[0];
        String crlUrl = ASN1IA5String.getInstance(crlName.getName()).getString();
        assertThat(crlUrl).isEqualTo(base + "/crl");
        HttpResponse<byte[]> crl = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(crlUrl)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(crl.statusCode()).isEqualTo(200);
        X509CRL parsed = (X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(crl.body()));
        parsed.verify(ca.getPublicKey());
        assertThat(parsed.isRevoked(leaf)).isFalse();

        String ocspUrl = Arrays.stream(AuthorityInformationAccess.fromExtensions(extensions).getAccessDescriptions())
                .filter(a -> a.getAccessMethod().equals(AccessDescription.id_ad_ocsp))
                .map(a -> ASN1IA5String.getInstance(a.getAccessLocation().getName()).getString()).findFirst()
                .orElseThrow();
        assertThat(ocspUrl).isEqualTo(base + "/ocsp");
        CertificateID certId = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(ca), leaf.getSerialNumber());
        BasicOCSPResp status = Ocsp.ask(ocspUrl, new OCSPReqBuilder().addRequest(certId).build().getEncoded(), ca,
                false);
        assertThat(status.getResponses()[0].getCertStatus()).isEqualTo(CertificateStatus.GOOD);
    }

    @Test
    void badCsrsAreRefusedAndNothingIsStored() throws Exception {
        Pki p = pki();
        String id = device(p.tenant());
        String path = "/api/v1/devices/" + id + "/certificates";
        String good = Csrs.csrPem(Csrs.p256());
        api.post(p.tenant().admin(), path, Map.of("csr", "-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n"
                + "-----END CERTIFICATE REQUEST-----\n")).expectProblem(400, "VALIDATION_FAILED");
        api.post(p.tenant().admin(), path, Map.of("csr", "hello")).expectProblem(400, "VALIDATION_FAILED");
        api.post(p.tenant().admin(), path, Map.of()).expectProblem(400, "VALIDATION_FAILED");
        api.post(p.tenant().admin(), path, Map.of("csr", Csrs.csrPem(Csrs.rsa(1024))))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(p.tenant().admin(), path, Map.of("csr", Csrs.csrPem(Csrs.ec("secp256k1"))))
                .expectProblem(400, "VALIDATION_FAILED");
        byte[] der = Csrs.csr(Csrs.p256(), "x", false).getEncoded();
        der[der.length - 5] ^= 0x5a;
        String broken = "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";
        JsonNode problem = api.post(p.tenant().admin(), path, Map.of("csr", broken)).expect(400);
        assertThat(problem.path("code").asString()).isEqualTo("VALIDATION_FAILED");
        api.post(p.tenant().admin(), path, Map.of("csr", good, "slot", "Bad Slot!"))
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(p.tenant().admin(), path).expect(200).path("items")).isEmpty();
        assertThat(api.get(p.tenant().admin(), "/api/v1/devices/" + id).expect(200).path("identity_status")
                .asString()).isEqualTo("NO_IDENTITY");
    }

    @Test
    void validityIsClampedToTheIssuingCa() throws Exception {
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        JsonNode shortCa = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "short", "parent_id", root,
                "validity_days", 10)).expect(201);
        JsonNode issued = issue(t, device(t), Csrs.p256());
        assertThat(Instant.parse(issued.path("certificate").path("not_after").asString()))
                .isEqualTo(Instant.parse(shortCa.path("not_after").asString()));
    }

    @Test
    void sixtyFourConcurrentIssuersGetUniqueSerialsAndFingerprints() throws Exception {
        Pki p = pki();
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            devices.add(device(p.tenant()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<Future<JsonNode>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String d = devices.get(i % 8);
            KeyPair kp = Csrs.p256();
            results.add(pool.submit(() -> issue(p.tenant(), d, kp)));
        }
        Set<String> serials = new HashSet<>();
        Set<String> fingerprints = new HashSet<>();
        for (Future<JsonNode> f : results) {
            JsonNode c = f.get(120, TimeUnit.SECONDS).path("certificate");
            serials.add(c.path("serial").asString());
            fingerprints.add(c.path("fingerprint").asString());
        }
        pool.shutdown();
        assertThat(serials).hasSize(64);
        assertThat(fingerprints).hasSize(64);
        long stored = jdbc.sql("SELECT COUNT(DISTINCT serial) FROM certificates WHERE tenant_id = ?")
                .param(p.tenant().id()).query(Long.class).single();
        assertThat(stored).isEqualTo(64);
        for (String d : devices) {
            JsonNode slots = api.get(p.tenant().admin(), "/api/v1/devices/" + d + "/slots").expect(200);
            assertThat(slots.path("items").get(0).path("versions")).hasSize(8);
            assertThat(slots.path("items").get(0).path("active_version").asInt()).isEqualTo(8);
        }
    }

    @Test
    void renewalKeepsTheKeyAndTheOldCertificateOverlaps() throws Exception {
        Pki p = pki();
        String d = device(p.tenant());
        KeyPair kp = Csrs.p256();
        JsonNode first = issue(p.tenant(), d, kp).path("certificate");
        JsonNode renewed = api.post(p.tenant().admin(), "/api/v1/certificates/" + first.path("id").asString()
                + "/renew", null).expect(201);
        assertThat(x509(renewed.path("certificate_pem").asString()).getPublicKey()).isEqualTo(kp.getPublic());
        JsonNode old = api.get(p.tenant().admin(), "/api/v1/certificates/" + first.path("id").asString()).expect(200);
        assertThat(old.path("primary").asBoolean()).isFalse();
        assertThat(old.path("status").asString()).isEqualTo("ACTIVE");
        assertThat(old.path("superseded_at").isNull()).isFalse();
        assertThat(renewed.path("certificate").path("slot_version").asInt()).isEqualTo(2);
        api.post(p.tenant().admin(), "/api/v1/certificates/" + first.path("id").asString() + "/renew", null)
                .expectProblem(409, "CONFLICT");
    }

    @Test
    void importedCaSignsAndUploadedCertificatesMustChainToTheTenant() throws Exception {
        TestTenant t = newTenant();
        TestTenant other = newTenant();
        // Another tenant's CAs are never foreign CAs here: not for upload, and not as trust anchors.
        String otherRoot = api.post(other.admin(), "/api/v1/pki/cas", Map.of("name", "r")).expect(201).path("id")
                .asString();
        api.post(other.admin(), "/api/v1/pki/cas", Map.of("name", "i", "parent_id", otherRoot)).expect(201);
        JsonNode othersCertificate = issue(other, device(other), Csrs.p256());
        String mine = device(t);
        api.post(t.admin(), "/api/v1/devices/" + mine + "/certificates/upload",
                Map.of("certificate_pem", othersCertificate.path("certificate_pem").asString()))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(t.admin(), "/api/v1/pki/cas/import", Map.of("name", "x", "certificate_pem",
                othersCertificate.path("chain_pem").asString(), "private_key_pem",
                Csrs.pem(Csrs.p256().getPrivate()))).expectProblem(400, "VALIDATION_FAILED");
        String othersChain = othersCertificate.path("chain_pem").asString();
        api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "factory", "certificate_pem",
                othersChain.substring(othersChain.indexOf("-----BEGIN CERTIFICATE-----", 10))))
                .expectProblem(400, "VALIDATION_FAILED");
        // A CA made outside Fleetkeeper, trusted here as an anchor: a certificate it issued uploads.
        Manufacturer acme = Manufacturer.root();
        var foreign = acme.deviceWithSerialNumber("SN-1");
        api.post(t.admin(), "/api/v1/devices/" + mine + "/certificates/upload",
                Map.of("certificate_pem", Csrs.pem(foreign.leaf()))).expectProblem(400, "VALIDATION_FAILED");
        JsonNode anchor = api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "factory",
                "certificate_pem", acme.pem())).expect(201);
        assertThat(anchor.path("kind").asString()).isEqualTo("TRUST_ANCHOR");
        assertThat(anchor.path("has_private_key").asBoolean()).isFalse();
        JsonNode up = api.post(t.admin(), "/api/v1/devices/" + mine + "/certificates/upload",
                Map.of("certificate_pem", Csrs.pem(foreign.leaf()))).expect(201);
        assertThat(up.path("origin").asString()).isEqualTo("UPLOADED");
        assertThat(issueProblem(t, mine)).isEqualTo("CONFLICT");
    }

    @Test
    void aCaCertificateWhoseKeyUsageForbidsSigningCertificatesIsRefusedAsAnAnchorAndForImport() {
        TestTenant t = newTenant();
        Manufacturer signsOnlyData = Manufacturer.root(KeyUsage.digitalSignature | KeyUsage.cRLSign);
        JsonNode anchor = api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "factory",
                "certificate_pem", signsOnlyData.pem())).expectProblem(400, "VALIDATION_FAILED");
        assertThat(anchor.path("errors").get(0).path("field").asString()).isEqualTo("certificate_pem");
        api.post(t.admin(), "/api/v1/pki/cas/import", Map.of("name", "imported", "certificate_pem",
                signsOnlyData.pem(), "private_key_pem", Csrs.pem(signsOnlyData.key().getPrivate())))
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(t.admin(), "/api/v1/pki/cas").expect(200).path("items")).isEmpty();
        // The same CA with keyCertSign is taken.
        api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "factory", "certificate_pem",
                Manufacturer.root(KeyUsage.keyCertSign).pem())).expect(201);
    }

    private String issueProblem(TestTenant t, String deviceId) {
        return api.post(t.admin(), "/api/v1/devices/" + deviceId + "/certificates", Map.of("csr",
                Csrs.csrPem(Csrs.p256()))).json().path("code").asString();
    }

    @Test
    void caKeysAreEncryptedAtRestAndNeverReturned() {
        Pki p = pki();
        String listed = api.call("GET", "/api/v1/pki/cas").token(p.tenant().admin()).send().body();
        assertThat(listed).doesNotContain("PRIVATE KEY").doesNotContain("encrypted_key");
        String sealed = jdbc.sql("SELECT encrypted_key FROM certificate_authorities WHERE id = ?")
                .param(p.issuingId()).query(String.class).single();
        assertThat(sealed).startsWith("v1:").doesNotContain("PRIVATE");
    }

    @Test
    void anotherTenantSeesNoneOfIt() {
        Pki p = pki();
        TestTenant other = newTenant();
        JsonNode issued = issue(p.tenant(), device(p.tenant()), Csrs.p256());
        String certId = issued.path("certificate").path("id").asString();
        api.get(other.admin(), "/api/v1/pki/cas/" + p.issuingId()).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/certificates/" + certId).expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/certificates/" + certId + "/revoke", Map.of())
                .expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/certificates/" + certId + "/renew", null).expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/pki/cas").expect(200).path("items")).isEmpty();
        assertThat(api.get(p.tenant().admin(), "/api/v1/certificates/" + certId).expect(200).path("status")
                .asString()).isEqualTo("ACTIVE");
    }

    @Test
    void viewersAndOperatorsCannotManageCas() {
        Pki p = pki();
        String viewer = token(p.tenant(), "viewer");
        String operator = token(p.tenant(), "operator");
        api.post(viewer, "/api/v1/pki/cas", Map.of("name", "v")).expectProblem(403, "FORBIDDEN");
        api.post(operator, "/api/v1/pki/cas", Map.of("name", "o")).expectProblem(403, "FORBIDDEN");
        api.post(viewer, "/api/v1/devices/" + device(p.tenant()) + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expectProblem(403, "FORBIDDEN");
        api.get(viewer, "/api/v1/pki/cas").expect(200);
    }

    @Test
    void policyWindowsAreValidatedAndVersioned() {
        Pki p = pki();
        var current = api.get(p.tenant().admin(), "/api/v1/pki/policy");
        assertThat(current.json().path("renewal_window_days").asInt()).isEqualTo(30);
        Map<String, Object> body = Map.of("renewal_window_days", 60, "critical_window_days", 10, "overlap_hours", 2,
                "device_validity_days", 90);
        api.call("PUT", "/api/v1/pki/policy").token(p.tenant().admin()).header("If-Match", "\"999\"").body(body)
                .send().expectProblem(412, "PRECONDITION_FAILED");
        api.call("PUT", "/api/v1/pki/policy").token(p.tenant().admin()).body(Map.of("renewal_window_days", 5,
                "critical_window_days", 10, "overlap_hours", 2, "device_validity_days", 90)).send()
                .expectProblem(400, "VALIDATION_FAILED");
        JsonNode updated = api.call("PUT", "/api/v1/pki/policy").token(p.tenant().admin())
                .header("If-Match", current.etag()).body(body).send().expect(200);
        assertThat(updated.path("device_validity_days").asInt()).isEqualTo(90);
        JsonNode issued = issue(p.tenant(), device(p.tenant()), Csrs.p256()).path("certificate");
        assertThat(java.time.Duration.between(Instant.parse(issued.path("not_before").asString()),
                Instant.parse(issued.path("not_after").asString())).toDays()).isEqualTo(90);
    }
}
