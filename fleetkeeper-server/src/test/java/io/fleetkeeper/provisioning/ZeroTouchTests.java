package io.fleetkeeper.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Zero-touch provisioning end to end over mutual TLS: a manufacturer's CA made here with BouncyCastle,
 * registered as a tenant trust anchor; a manifest of shipped serials; devices that present their
 * factory certificate to {@code /device/v1/bootstrap} with a CSR for a new operational key, then use
 * the operational certificate they got.
 */
class ZeroTouchTests extends ApiTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MANIFEST = "serial,device_type,metadata.region\nSN-1,meter,eu\nSN-2,meter,us\n";

    @Autowired
    private DeviceListener listener;

    /** A tenant with a root and an issuing CA (which signs operational certificates). */
    private record Tenant(TestTenant t, X509Certificate rootCa, X509Certificate issuingCa) {
        String admin() {
            return t.admin();
        }
    }

    /** A manufacturer's CA: its key and its certificate. */
    private record FactoryCa(KeyPair key, X509Certificate certificate) {
    }

    /** What a client presents over TLS: its key and its certificate chain, leaf first. */
    private record Credential(KeyPair key, X509Certificate... chain) {
    }

    @Test
    void deviceBootstrapsWithItsFactoryCertificateAndBecomesActiveOnFirstCallWithItsOperationalOne()
            throws Exception {
        Tenant a = tenantWithCas();
        FactoryCa root = factoryRoot();
        FactoryCa line = factoryIntermediate(root);
        trustAnchor(a, "acme-root", root);
        manifest(a, MANIFEST);
        // Issued by an intermediate that only the device presents; serialNumber=SN-1 names the device, the CN
        // is a product name.
        Credential factory = factoryCertificate(line, new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, "Acme Meter 3000").addRDN(BCStyle.SERIALNUMBER, "SN-1").build());
        KeyPair operationalKey = Csrs.p256();

        JsonNode boot = bootstrap(factory, "SN-1", Csrs.csrPem(operationalKey)).expect(201);

        String id = boot.path("device_id").asString();
        assertThat(boot.path("tenant_id").asString()).isEqualTo(a.t().id());
        assertThat(boot.path("status").asString()).isEqualTo("provisioning");
        assertThat(boot.path("reprovisioned").asBoolean()).isFalse();
        X509Certificate operational = TlsClient.parse(boot.path("certificate_pem").asString()).get(0);
        assertThat(cn(operational)).isEqualTo(id);
        assertThat(operational.getPublicKey()).isEqualTo(operationalKey.getPublic());
        assertThat(operational.getIssuerX500Principal()).isEqualTo(a.issuingCa().getSubjectX500Principal());
        assertChainsTo(operational, a);
        assertThat(TlsClient.parse(boot.path("chain_pem").asString()))
                .containsExactly(operational, a.issuingCa(), a.rootCa());

        JsonNode device = api.get(a.admin(), "/api/v1/devices/" + id).expect(200);
        assertThat(device.path("status").asString()).isEqualTo("provisioning");
        assertThat(device.path("serial").asString()).isEqualTo("SN-1");
        assertThat(device.path("device_type").asString()).isEqualTo("meter");
        assertThat(device.path("metadata").path("region").asString()).isEqualTo("eu");
        assertThat(device.path("identity_status").asString()).isEqualTo("ACTIVE");
        assertThat(eventTypes(a, id)).contains("CREATED", "PROVISIONED").doesNotContain("STATUS-UPDATED");
        assertThat(eventTypes(a, id)).containsOnlyOnce("PROVISIONED");
        JsonNode provenance = api.get(a.admin(), "/api/v1/devices/" + id + "/provenance").expect(200);
        assertThat(provenance.path("method").asString()).isEqualTo("bootstrap");

        // The factory certificate bootstraps only: it does not authenticate as the device.
        devicePost(factory, "/device/v1/certificates/renew", renewBody()).expectProblem(401, "UNAUTHENTICATED");
        assertThat(api.get(a.admin(), "/api/v1/devices/" + id).expect(200).path("status").asString())
                .isEqualTo("provisioning");

        // The first call with the operational certificate activates the device.
        JsonNode renewed = devicePost(new Credential(operationalKey, operational, a.issuingCa()),
                "/device/v1/certificates/renew", renewBody()).expect(200);
        assertThat(cn(TlsClient.parse(renewed.path("certificate_pem").asString()).get(0))).isEqualTo(id);
        assertThat(api.get(a.admin(), "/api/v1/devices/" + id).expect(200).path("status").asString())
                .isEqualTo("active");
        assertThat(eventTypes(a, id)).contains("STATUS-UPDATED");
        assertThat(stats(a.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void factoryCertificateMayNameTheSerialInItsCommonNameOnlyAndAnIntermediateMayBeTheAnchor() throws Exception {
        Tenant a = tenantWithCas();
        FactoryCa line = factoryIntermediate(factoryRoot());
        trustAnchor(a, "acme-line-3", line);
        manifest(a, MANIFEST);
        Credential factory = factoryCertificate(line, serialCn("SN-2"));

        JsonNode boot = bootstrap(new Credential(factory.key(), factory.chain()[0]), "SN-2",
                Csrs.csrPem(Csrs.p256())).expect(201);

        JsonNode device = api.get(a.admin(), "/api/v1/devices/" + boot.path("device_id").asString()).expect(200);
        assertThat(device.path("serial").asString()).isEqualTo("SN-2");
        assertThat(device.path("metadata").path("region").asString()).isEqualTo("us");
    }

    @Test
    void secondBootstrapIsRefusedByDefaultAndReprovisionsWhenTheTenantAllowsIt() throws Exception {
        Tenant a = tenantWithCas();
        FactoryCa root = factoryRoot();
        trustAnchor(a, "acme-root", root);
        manifest(a, MANIFEST);
        Credential factory = factoryCertificate(root, serialCn("SN-1"));
        KeyPair firstKey = Csrs.p256();
        JsonNode first = bootstrap(factory, "SN-1", Csrs.csrPem(firstKey)).expect(201);
        String id = first.path("device_id").asString();
        X509Certificate firstCert = TlsClient.parse(first.path("certificate_pem").asString()).get(0);

        bootstrap(factory, "SN-1", Csrs.csrPem(Csrs.p256())).expectProblem(409, "CONFLICT");
        assertThat(api.get(a.admin(), "/api/v1/provisioning/settings").expect(200).path("rebootstrap").asString())
                .isEqualTo("reject");

        api.call("PUT", "/api/v1/provisioning/settings").token(a.admin()).body(Map.of("rebootstrap", "reprovision"))
                .send().expect(200);
        KeyPair secondKey = Csrs.p256();
        JsonNode again = bootstrap(factory, "SN-1", Csrs.csrPem(secondKey)).expect(201);

        assertThat(again.path("device_id").asString()).isEqualTo(id);
        assertThat(again.path("reprovisioned").asBoolean()).isTrue();
        X509Certificate secondCert = TlsClient.parse(again.path("certificate_pem").asString()).get(0);
        assertThat(secondCert.getPublicKey()).isEqualTo(secondKey.getPublic());
        JsonNode certs = api.get(a.admin(), "/api/v1/devices/" + id + "/certificates").expect(200).path("items");
        assertThat(certs.valueStream().filter(c -> new BigInteger(c.path("serial").asString(), 16)
                .equals(firstCert.getSerialNumber())).map(c -> c.path("status").asString()))
                .as("the first operational certificate").containsExactly("REVOKED");
        assertThat(eventTypes(a, id)).contains("RE-PROVISIONED");
        assertThat(api.get(a.admin(), "/api/v1/devices/" + id).expect(200).path("identity_status").asString())
                .isEqualTo("ACTIVE");
        assertThat(stats(a.admin()).path("total").asLong()).isEqualTo(1);

        devicePost(new Credential(firstKey, firstCert, a.issuingCa()), "/device/v1/certificates/renew", renewBody())
                .expectProblem(401, "UNAUTHENTICATED");
        devicePost(new Credential(secondKey, secondCert, a.issuingCa()), "/device/v1/certificates/renew",
                renewBody()).expect(200);
        assertThat(api.get(a.admin(), "/api/v1/devices/" + id).expect(200).path("status").asString())
                .isEqualTo("active");
    }

    @Test
    void badBootstrapsAreRefusedWithAClearStatusAndCreateNothing() throws Exception {
        Tenant a = tenantWithCas();
        FactoryCa root = factoryRoot();
        trustAnchor(a, "acme-root", root);
        manifest(a, MANIFEST + "SN-3,meter,eu\n");
        FactoryCa unregistered = factoryRoot();
        Instant now = Instant.now();
        String csr = Csrs.csrPem(Csrs.p256());
        // Failures are rate-limited per factory certificate (10 a minute), so the cases use their own.
        bootstrap(factoryCertificate(root, serialCn("SN-404")), "SN-404", csr).expectProblem(403, "FORBIDDEN");
        bootstrap(factoryCertificate(root, serialCn("SN-2")), "SN-1", csr).expectProblem(403, "FORBIDDEN");
        bootstrap(factoryCertificate(root, serialCn("SN-2")), null, csr).expectProblem(403, "FORBIDDEN");
        bootstrap(factoryCertificate(unregistered, serialCn("SN-1")), "SN-1", csr)
                .expectProblem(401, "UNAUTHENTICATED");
        bootstrap(factoryCertificate(root, serialCn("SN-1"), now.minus(Duration.ofDays(400)),
                now.minus(Duration.ofDays(1))), "SN-1", csr).expectProblem(401, "UNAUTHENTICATED");
        bootstrap(factoryCertificate(root, serialCn("SN-1"), now.plus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(400))), "SN-1", csr).expectProblem(401, "UNAUTHENTICATED");
        bootstrap(null, "SN-1", csr).expectProblem(401, "UNAUTHENTICATED");
        // An intermediate that names the registered root as its issuer but was not signed by it.
        FactoryCa impostor = factoryRoot();
        FactoryCa rogueLine = new FactoryCa(impostor.key(), certificate(issuer(root), impostor.key(),
                new X500Name("CN=" + randomName("rogue line ")), impostor.key().getPublic(), true,
                now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1))));
        bootstrap(factoryCertificate(rogueLine, serialCn("SN-1")), "SN-1", csr).expectProblem(401, "UNAUTHENTICATED");
        Credential sn3 = factoryCertificate(root, serialCn("SN-3"));
        bootstrap(sn3, "SN-3", Csrs.pem(forgedCsr())).expectProblem(400, "VALIDATION_FAILED");
        bootstrap(sn3, "SN-3", "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n"
                + "-----END CERTIFICATE REQUEST-----\n").expectProblem(400, "VALIDATION_FAILED");
        bootstrap(sn3, "SN-3", "garbage").expectProblem(400, "VALIDATION_FAILED");
        bootstrap(sn3, "SN-3", null).expectProblem(400, "VALIDATION_FAILED");
        bootstrap(sn3, "SN-3", "x".repeat(1_100_000)).expectProblem(413, "PAYLOAD_TOO_LARGE");
        devicePost(sn3, "/device/v1/bootstrap", "{\"serial\":").expect(400);

        assertThat(stats(a.admin()).path("total").asLong()).isZero();
        assertThat(api.get(a.admin(), "/api/v1/audit?action=device.bootstrap.rejected").expect(200).path("items")
                .size()).isGreaterThanOrEqualTo(4);
        // Nothing was consumed: the same serial and certificate bootstrap once the CSR is good.
        bootstrap(sn3, "SN-3", csr).expect(201);
        assertThat(stats(a.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void manifestReportsDuplicateAndMalformedLinesByNumberAndAddsTheRest() {
        Tenant a = tenantWithCas();
        JsonNode first = manifest(a, "serial,device_type,metadata.region\nSN-1,meter,eu\n");
        assertThat(first.path("manifest").path("rows_total").asLong()).isEqualTo(1);
        assertThat(first.path("manifest").path("rows_added").asLong()).isEqualTo(1);
        assertThat(first.path("rejected").asLong()).isZero();

        JsonNode second = manifest(a, """
                serial,device_type,metadata.region
                SN-1,meter,eu
                SN-2,meter,eu
                SN-2,meter,us
                SN-3,,eu
                SN-4,meter,
                SN-5,meter""");

        assertThat(second.path("manifest").path("rows_total").asLong()).isEqualTo(6);
        assertThat(second.path("manifest").path("rows_added").asLong()).isEqualTo(2);
        assertThat(second.path("rejected").asLong()).isEqualTo(4);
        Map<Long, String> rejected = new HashMap<>();
        second.path("rejected_lines").forEach(l -> rejected.put(l.path("line").asLong(), l.path("reason").asString()));
        assertThat(rejected).containsOnlyKeys(2L, 4L, 5L, 7L);
        assertThat(rejected.get(2L)).contains("already");
        assertThat(rejected.get(4L)).contains("duplicate").contains("line 3");
        assertThat(rejected.get(5L)).contains("device_type");
        JsonNode entries = api.get(a.admin(), "/api/v1/manifests/" + second.path("manifest").path("id").asString()
                + "/entries").expect(200).path("items");
        assertThat(entries.valueStream().map(e -> e.path("serial").asString())).containsExactly("SN-2", "SN-4");
        assertThat(entries.get(0).path("metadata").path("region").asString()).isEqualTo("eu");
        assertThat(entries.get(0).path("line").asLong()).isEqualTo(3);
    }

    @Test
    void factoryCertificateTrustedByAnotherTenantCannotBootstrapIntoThisOne() throws Exception {
        Tenant a = tenantWithCas();
        manifest(a, "serial,device_type\nSN-A1,meter\n");
        Tenant b = tenantWithCas();
        FactoryCa onlyB = factoryRoot();
        trustAnchor(b, "b-factory", onlyB);
        manifest(b, "serial,device_type\nSN-B1,meter\n");

        bootstrap(factoryCertificate(onlyB, serialCn("SN-A1")), "SN-A1", Csrs.csrPem(Csrs.p256()))
                .expectProblem(403, "FORBIDDEN");

        assertThat(stats(a.admin()).path("total").asLong()).isZero();
        assertThat(stats(b.admin()).path("total").asLong()).isZero();
        assertThat(api.get(a.admin(), "/api/v1/audit?action=device.bootstrap.rejected").expect(200).path("items"))
                .isEmpty();
        assertThat(api.get(b.admin(), "/api/v1/audit?action=device.bootstrap.rejected").expect(200).path("items"))
                .hasSize(1);
    }

    @Test
    void tenantsTrustingTheSameManufacturerEachBootstrapTheirOwnSerials() throws Exception {
        Tenant a = tenantWithCas();
        Tenant b = tenantWithCas();
        FactoryCa shared = factoryRoot();
        trustAnchor(b, "acme", shared);
        trustAnchor(a, "acme", shared);
        manifest(a, "serial,device_type\nSN-A1,meter\nSN-AB,meter\n");
        manifest(b, "serial,device_type\nSN-B1,meter\nSN-AB,meter\n");

        JsonNode intoA = bootstrap(factoryCertificate(shared, serialCn("SN-A1")), "SN-A1",
                Csrs.csrPem(Csrs.p256())).expect(201);
        JsonNode intoB = bootstrap(factoryCertificate(shared, serialCn("SN-B1")), "SN-B1",
                Csrs.csrPem(Csrs.p256())).expect(201);

        assertThat(intoA.path("tenant_id").asString()).isEqualTo(a.t().id());
        assertThat(intoB.path("tenant_id").asString()).isEqualTo(b.t().id());
        // A serial both tenants list goes to neither.
        bootstrap(factoryCertificate(shared, serialCn("SN-AB")), "SN-AB", Csrs.csrPem(Csrs.p256()))
                .expectProblem(409, "CONFLICT");
        assertThat(stats(a.admin()).path("total").asLong()).isEqualTo(1);
        assertThat(stats(b.admin()).path("total").asLong()).isEqualTo(1);
    }

    // --- tenant side -----------------------------------------------------------------------------------

    private Tenant tenantWithCas() {
        TestTenant t = newTenant();
        JsonNode root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201);
        JsonNode issuing = api.post(t.admin(), "/api/v1/pki/cas",
                Map.of("name", "issuing", "parent_id", root.path("id").asString())).expect(201);
        return new Tenant(t, TlsClient.parse(root.path("certificate_pem").asString()).get(0),
                TlsClient.parse(issuing.path("certificate_pem").asString()).get(0));
    }

    private void trustAnchor(Tenant t, String name, FactoryCa ca) {
        JsonNode anchor = api.post(t.admin(), "/api/v1/pki/trust-anchors",
                Map.of("name", name, "certificate_pem", Csrs.pem(ca.certificate()))).expect(201);
        assertThat(anchor.path("kind").asString()).isEqualTo("TRUST_ANCHOR");
    }

    private JsonNode manifest(Tenant t, String csv) {
        return api.call("POST", "/api/v1/manifests/import?name=batch-1").token(t.admin())
                .body("text/csv", BodyPublishers.ofString(csv)).send().expect(201);
    }

    private List<String> eventTypes(Tenant t, String deviceId) {
        return api.get(t.admin(), "/api/v1/devices/" + deviceId + "/events").expect(200).path("items").valueStream()
                .map(e -> e.path("type").asString()).toList();
    }

    private static void assertChainsTo(X509Certificate leaf, Tenant t) throws Exception {
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(t.rootCa(), null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(List.of(leaf, t.issuingCa())), params);
    }

    // --- device side -----------------------------------------------------------------------------------

    private Reply bootstrap(Credential factory, String serial, String csr) {
        Map<String, String> body = new HashMap<>();
        body.put("serial", serial);
        body.put("csr", csr);
        return devicePost(factory, "/device/v1/bootstrap", JSON.writeValueAsString(body));
    }

    /** POSTs JSON to the device listener, presenting {@code client} (none when null) over TLS. */
    private Reply devicePost(Credential client, String path, String json) {
        try (HttpClient http = HttpClient.newBuilder().sslContext(tls(client)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                    + listener.port() + path)).timeout(Duration.ofSeconds(30)).header("Content-Type",
                    "application/json").POST(BodyPublishers.ofString(json)).build(), BodyHandlers.ofString());
            return new Reply("POST " + path, r.statusCode(), r.headers(), r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String renewBody() {
        return "{\"csr\":" + JSON.writeValueAsString(Csrs.csrPem(Csrs.p256())) + "}";
    }

    /** Trusts the platform CA only, as a device would; presents {@code client} when given. */
    private SSLContext tls(Credential client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("platform", TlsClient.parse(api.get(null, "/pki/v1/platform/ca.pem").body()).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManager[] keys = null;
        if (client != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("device", client.key().getPrivate(), "pw".toCharArray(), client.chain());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "pw".toCharArray());
            keys = kmf.getKeyManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, tmf.getTrustManagers(), null);
        return ctx;
    }

    // --- the manufacturer's PKI ------------------------------------------------------------------------

    private static FactoryCa factoryRoot() throws Exception {
        KeyPair key = Csrs.p256();
        X500Name name = new X500Name("CN=" + randomName("Acme Factory Root "));
        Instant now = Instant.now();
        return new FactoryCa(key, certificate(name, key, name, key.getPublic(), true, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(3650))));
    }

    private static FactoryCa factoryIntermediate(FactoryCa root) throws Exception {
        KeyPair key = Csrs.p256();
        Instant now = Instant.now();
        return new FactoryCa(key, certificate(issuer(root), root.key(), new X500Name("CN="
                + randomName("Acme Line ")), key.getPublic(), true, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(1825))));
    }

    private static Credential factoryCertificate(FactoryCa ca, X500Name subject) throws Exception {
        Instant now = Instant.now();
        return factoryCertificate(ca, subject, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(3650)));
    }

    /** A device's factory certificate (a fresh key each time), with the issuing CA's chain behind it. */
    private static Credential factoryCertificate(FactoryCa ca, X500Name subject, Instant notBefore,
            Instant notAfter) throws Exception {
        KeyPair key = Csrs.p256();
        X509Certificate leaf = certificate(issuer(ca), ca.key(), subject, key.getPublic(), false, notBefore,
                notAfter);
        return new Credential(key, leaf, ca.certificate());
    }

    private static X500Name serialCn(String serial) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, serial).build();
    }

    private static X500Name issuer(FactoryCa ca) {
        return X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
    }

    private static X509Certificate certificate(X500Name issuer, KeyPair issuerKey, X500Name subject,
            PublicKey key, boolean ca, Instant notBefore, Instant notAfter) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM),
                Date.from(notBefore), Date.from(notAfter), subject, key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                : KeyUsage.digitalSignature));
        if (!ca) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(
                "SHA256withECDSA").build(issuerKey.getPrivate())));
    }

    /** A CSR for one key signed with another: its signature does not verify. */
    private static Object forgedCsr() throws Exception {
        return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), Csrs.p256().getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(Csrs.p256().getPrivate()));
    }

    private static String cn(X509Certificate cert) {
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        return IETFUtils.valueToString(subject.getRDNs(BCStyle.CN)[0].getFirst().getValue());
    }

    @Test
    void aManifestRowMayNameTheTemplateItsDeviceIsMadeFrom() throws Exception {
        Tenant a = tenantWithCas();
        FactoryCa root = factoryRoot();
        trustAnchor(a, "acme-root", root);
        String template = api.post(a.admin(), "/api/v1/templates", ProvisioningApiTests.template("meter", "meter"))
                .expect(201).path("id").asString();
        manifest(a, "serial,device_type,template_id,metadata.region\nSN-T,meter," + template + ",eu\n");
        Credential factory = factoryCertificate(root, new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, "Acme Meter").addRDN(BCStyle.SERIALNUMBER, "SN-T").build());
        String id = bootstrap(factory, "SN-T", Csrs.csrPem(Csrs.p256())).expect(201).path("device_id").asString();
        JsonNode device = api.get(a.admin(), "/api/v1/devices/" + id).expect(200);
        assertThat(device.path("template_id").asString()).isEqualTo(template);
        assertThat(device.path("metadata").path("vendor").asString()).isEqualTo("acme");
        assertThat(device.path("metadata").path("region").asString()).isEqualTo("eu");
        assertThat(api.get(a.admin(), "/api/v1/devices/" + id + "/sensors").expect(200).path("items").get(0)
                .path("key").asString()).isEqualTo("temperature");
    }
}
