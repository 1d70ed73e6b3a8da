package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Credential;
import io.fleetkeeper.testing.TlsClient.Enrolled;
import java.net.http.HttpRequest.BodyPublishers;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The EST label chooses tenant and CA for every way to {@code simpleenroll}: a device certificate, a claim
 * token (HTTP Basic password) and a factory certificate. A label naming another tenant (existing or not) or a
 * CA the tenant does not have is 404 and changes nothing; {@code <tenant>.<ca>} and {@code <ca>} issue from
 * that CA.
 */
class EstLabelTests extends ApiTest {

    @Autowired
    DeviceListener listener;

    TlsClient device;
    TestTenant tenant;
    TestTenant other;
    /** Subjects of tenant's default issuing CA and of its second issuing CA, "line-2". */
    X509Certificate defaultCa;
    X509Certificate line2;
    Manufacturer acme;

    @BeforeEach
    void tenants() {
        device = new TlsClient(api, listener.port());
        tenant = newTenant();
        String root = api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        defaultCa = certificate(api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id",
                root)).expect(201));
        line2 = certificate(api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "line-2", "parent_id",
                root)).expect(201));
        other = newTenant();
        String otherRoot = api.post(other.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201)
                .path("id").asString();
        api.post(other.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", otherRoot)).expect(201);
        acme = Manufacturer.root();
        api.post(tenant.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "acme", "certificate_pem", acme.pem()))
                .expect(201);
        api.call("POST", "/api/v1/manifests/import?name=batch").token(tenant.admin()).body("text/csv",
                BodyPublishers.ofString("serial,device_type\nF-0,meter\nF-1,meter\nF-2,meter\nF-3,meter\n"))
                .send().expect(201);
    }

    /** Labels that name no CA of the tenant: every one is 404 whatever the credential. */
    List<String> refused() {
        return List.of(UUID.randomUUID().toString(), UUID.randomUUID() + ".issuing", other.id(),
                other.id() + ".issuing", tenant.id() + ".nosuchca", "nosuchca");
    }

    /** Labels that name a CA of the tenant, and the CA each names. */
    Map<String, X509Certificate> accepted() {
        return Map.of(tenant.id() + ".line-2", line2, "line-2", line2, tenant.id(), defaultCa);
    }

    @Test
    void claimTokenEnrollmentHonoursTheLabel() {
        String token = api.post(tenant.admin(), "/api/v1/claim-tokens", Map.of("label", "est", "device_type",
                "meter", "max_uses", 10, "expires_at", Instant.now().plus(1, ChronoUnit.DAYS).toString()))
                .expect(201).path("token").asString();

        assertLabels(label -> device.simpleenroll(label, null, token, csr()));

        assertThat(api.get(tenant.admin(), "/api/v1/claim-tokens").expect(200)
                .path("items").get(0).path("uses_count").asInt())
                .as("uses: the accepted labels and no label").isEqualTo(accepted().size() + 1);
    }

    @Test
    void deviceCertificateEnrollmentHonoursTheLabel() {
        KeyPair key = Csrs.p256();
        String deviceId = createDevice(tenant.admin(), device("pump")).path("id").asString();
        X509Certificate cert = TlsClient.parse(api.post(tenant.admin(), "/api/v1/devices/" + deviceId
                + "/certificates", Map.of("csr", Csrs.csrPem(key))).expect(201).path("certificate_pem").asString())
                .get(0);
        Credential credential = new Credential(key, cert);

        assertLabels(label -> device.simpleenroll(label, credential, null, csr()));
    }

    @Test
    void factoryCertificateEnrollmentHonoursTheLabel() {
        Credential refusedEverywhere = acme.deviceWithSerialNumber("F-0");
        for (String label : refused()) {
            assertThat(device.simpleenroll(label, refusedEverywhere, null, csr()).status()).as(label).isEqualTo(404);
        }
        assertThat(stats(tenant.admin()).path("total").asLong()).isZero();
        int serial = 1;
        for (var e : accepted().entrySet()) {
            Enrolled enrolled = device.simpleenroll(e.getKey(), acme.deviceWithSerialNumber("F-" + serial++), null,
                    csr());
            assertThat(enrolled.status()).as(e.getKey()).isEqualTo(200);
            assertThat(enrolled.certificate().getIssuerX500Principal()).as(e.getKey())
                    .isEqualTo(e.getValue().getSubjectX500Principal());
        }
        assertThat(stats(tenant.admin()).path("total").asLong()).isEqualTo(accepted().size());
        // The serial of the refused attempts is still free.
        assertThat(device.simpleenroll(null, refusedEverywhere, null, csr()).status()).isEqualTo(200);
    }

    private void assertLabels(Function<String, Enrolled> enroll) {
        long devices = stats(tenant.admin()).path("total").asLong();
        for (String label : refused()) {
            assertThat(enroll.apply(label).status()).as(label).isEqualTo(404);
        }
        assertThat(stats(tenant.admin()).path("total").asLong()).isEqualTo(devices);
        assertThat(stats(other.admin()).path("total").asLong()).isZero();
        for (var e : accepted().entrySet()) {
            Enrolled enrolled = enroll.apply(e.getKey());
            assertThat(enrolled.status()).as(e.getKey()).isEqualTo(200);
            assertThat(enrolled.certificate().getIssuerX500Principal()).as(e.getKey())
                    .isEqualTo(e.getValue().getSubjectX500Principal());
        }
        Enrolled unlabelled = enroll.apply(null);
        assertThat(unlabelled.certificate().getIssuerX500Principal()).isEqualTo(defaultCa.getSubjectX500Principal());
    }

    private static org.bouncycastle.pkcs.PKCS10CertificationRequest csr() {
        return Csrs.csr(Csrs.p256(), "x", false);
    }

    private static X509Certificate certificate(JsonNode ca) {
        return TlsClient.parse(ca.path("certificate_pem").asString()).get(0);
    }
}
