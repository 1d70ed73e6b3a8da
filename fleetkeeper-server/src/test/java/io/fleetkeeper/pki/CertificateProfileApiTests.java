package io.fleetkeeper.pki;

import static io.fleetkeeper.testing.Csrs.csrPem;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Certificate profiles on the operator issue path: TLS server certificates for gateways and code-signing
 * certificates for OTA manifests from the tenant CA, with the key usages read back by BouncyCastle and OpenSSL.
 */
class CertificateProfileApiTests extends ApiTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

    @Autowired
    private DeviceListener listener;

    private record Gateway(TestTenant tenant, String id) {
        String certificates() {
            return "/api/v1/devices/" + id + "/certificates";
        }
    }

    private Gateway gateway() {
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        return new Gateway(t, createDevice(t.admin(), device("gw")).path("id").asString());
    }

    private static Map<String, Object> request(KeyPair key, String slot, String profile) {
        Map<String, Object> body = new HashMap<>();
        body.put("csr", csrPem(key));
        body.put("slot", slot);
        body.put("profile", profile);
        return body;
    }

    @Test
    void aTlsServerCertificateCarriesServerAuthAndTheRequestedNames() throws Exception {
        Gateway g = gateway();
        Map<String, Object> body = request(Csrs.p256(), "https", "tls-server");
        body.put("dns_names", List.of("gw1.plant.example", "gw1.local"));
        body.put("ip_addresses", List.of("10.0.0.7", "2001:db8::1"));
        JsonNode issued = api.post(g.tenant().admin(), g.certificates(), body).expect(201);
        assertThat(issued.path("certificate").path("profile").asString()).isEqualTo("tls-server");
        X509Certificate x = parse(issued.path("certificate_pem").asString());
        assertThat(x.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(x.getKeyUsage()).as("digitalSignature only for an EC key")
                .containsExactly(true, false, false, false, false, false, false, false, false);
        assertThat(x.getSubjectAlternativeNames()).extracting(san -> san.get(1).toString())
                .contains("gw1.plant.example", "gw1.local", "10.0.0.7", "urn:fleetkeeper:device:" + g.id())
                .anyMatch(n -> n.startsWith("2001:db8:0:0:0:0:0:1") || n.equals("2001:db8::1"));
        String id = issued.path("certificate").path("id").asString();
        assertThat(api.get(g.tenant().admin(), "/api/v1/certificates/" + id).expect(200).path("profile").asString())
                .isEqualTo("tls-server");
        String text = openssl(issued.path("certificate_pem").asString());
        if (text != null) {
            assertThat(text).contains("TLS Web Server Authentication", "DNS:gw1.plant.example", "IP Address:10.0.0.7")
                    .doesNotContain("TLS Web Client Authentication");
        }

        JsonNode renewed = api.post(g.tenant().admin(), "/api/v1/certificates/" + id + "/renew", null).expect(201);
        X509Certificate next = parse(renewed.path("certificate_pem").asString());
        assertThat(renewed.path("certificate").path("profile").asString()).isEqualTo("tls-server");
        assertThat(next.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(next.getSubjectAlternativeNames()).containsExactlyElementsOf(x.getSubjectAlternativeNames());
    }

    @Test
    void aCodeSigningCertificateHasDigitalSignatureOnlyEvenForRsa() throws Exception {
        Gateway g = gateway();
        JsonNode issued = api.post(g.tenant().admin(), g.certificates(), request(Csrs.rsa(2048), "ota", "code-signing"))
                .expect(201);
        assertThat(issued.path("certificate").path("profile").asString()).isEqualTo("code-signing");
        X509Certificate x = parse(issued.path("certificate_pem").asString());
        assertThat(x.getExtendedKeyUsage()).containsExactly(CODE_SIGNING);
        KeyUsage usage = KeyUsage.fromExtensions(new JcaX509CertificateHolder(x).getExtensions());
        assertThat(usage.hasUsages(KeyUsage.digitalSignature)).isTrue();
        assertThat(usage.hasUsages(KeyUsage.keyEncipherment)).isFalse();
        assertThat(new JcaX509CertificateHolder(x).getExtension(Extension.keyUsage).isCritical()).isTrue();
        String text = openssl(issued.path("certificate_pem").asString());
        if (text != null) {
            assertThat(text).contains("Code Signing", "Digital Signature").doesNotContain("Key Encipherment");
        }

        JsonNode client = api.post(g.tenant().admin(), g.certificates(), Map.of("csr", csrPem(Csrs.rsa(2048))))
                .expect(201);
        assertThat(client.path("certificate").path("profile").asString()).isEqualTo("client");
        assertThat(parse(client.path("certificate_pem").asString()).getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    }

    @Test
    void profilesAreValidatedAndNothingIsIssuedOnBadInput() {
        Gateway g = gateway();
        String admin = g.tenant().admin();
        KeyPair key = Csrs.p256();
        Map<String, Object> identity = request(key, null, "tls-server");
        identity.put("dns_names", List.of("gw.example"));
        api.post(admin, g.certificates(), identity).expectProblem(400, "VALIDATION_FAILED");
        api.post(admin, g.certificates(), request(key, "https", "tls-server")).expectProblem(400, "VALIDATION_FAILED");
        Map<String, Object> namesOnClient = request(key, "extra", "client");
        namesOnClient.put("dns_names", List.of("gw.example"));
        api.post(admin, g.certificates(), namesOnClient).expectProblem(400, "VALIDATION_FAILED");
        Map<String, Object> namesOnSigning = request(key, "ota", "code-signing");
        namesOnSigning.put("ip_addresses", List.of("10.0.0.1"));
        api.post(admin, g.certificates(), namesOnSigning).expectProblem(400, "VALIDATION_FAILED");
        for (String bad : List.of("bad_name.example", "*.example.com", "-x.example", "")) {
            Map<String, Object> b = request(key, "https", "tls-server");
            b.put("dns_names", List.of(bad));
            api.post(admin, g.certificates(), b).expectProblem(400, "VALIDATION_FAILED");
        }
        for (String bad : List.of("10.0.0.300", "gw.example", "fe80::1%eth0x")) {
            Map<String, Object> b = request(key, "https", "tls-server");
            b.put("ip_addresses", List.of(bad));
            api.post(admin, g.certificates(), b).expectProblem(400, "VALIDATION_FAILED");
        }
        api.post(admin, g.certificates(), request(key, "x", "email")).expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(admin, g.certificates()).expect(200).path("items").isEmpty()).isTrue();
        Map<String, Object> good = request(key, "https", "tls-server");
        good.put("dns_names", List.of("gw.example"));
        api.post(newTenant().admin(), g.certificates(), good).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void onlyClientCertificatesAuthenticateTheDevice() throws Exception {
        Gateway g = gateway();
        KeyPair serverKey = Csrs.p256();
        Map<String, Object> body = request(serverKey, "https", "tls-server");
        body.put("dns_names", List.of("gw.example"));
        JsonNode server = api.post(g.tenant().admin(), g.certificates(), body).expect(201);
        KeyPair clientKey = Csrs.p256();
        JsonNode client = api.post(g.tenant().admin(), g.certificates(), Map.of("csr", csrPem(clientKey)))
                .expect(201);

        new DevicePort(api, listener.port(), clientKey, chain(client)).call("GET", "/device/v1/shadow", Map.of(), null)
                .expectProblem(404, "NOT_FOUND");
        new DevicePort(api, listener.port(), serverKey, chain(server)).call("GET", "/device/v1/shadow", Map.of(), null)
                .expectProblem(401, "UNAUTHENTICATED");
    }

    private static X509Certificate[] chain(JsonNode issued) throws Exception {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(
                issued.path("chain_pem").asString().getBytes(StandardCharsets.US_ASCII))).stream()
                .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    }

    private static X509Certificate parse(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** {@code openssl x509 -text} of the certificate, or null (with a message) when openssl is not installed. */
    private static String openssl(String pem) throws Exception {
        Path file = Files.createTempFile("fk-profile", ".pem");
        Files.writeString(file, pem);
        Process p;
        try {
            p = new ProcessBuilder("openssl", "x509", "-noout", "-text", "-in", file.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            System.out.println("SKIPPED: openssl check of certificate profiles: openssl is not installed");
            return null;
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
