package io.fleetkeeper.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.Reply;
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
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.json.JsonMapper;

/**
 * A tenant (the owner) whose device another tenant (the attacker) tries to capture through EST: by trusting
 * the owner's public CA chain as a factory trust anchor and listing the device id as a manifest serial, or by
 * listing the serial of a certificate both trust, then waiting for the owner to refuse the device. Whatever
 * the owner refuses stays refused: it never falls through to zero-touch bootstrap in another tenant.
 */
class EstCrossTenantTests extends ApiTest {

    @Autowired
    DeviceListener listener;

    TlsClient device;

    @BeforeEach
    void deviceClient() {
        device = new TlsClient(api, listener.port());
    }

    @Test
    void noTenantCanTrustACaThatFleetkeeperManagesAsATrustAnchor() {
        TestTenant owner = newTenant();
        String issuing = rootAndIssuingCa(owner);
        TestTenant attacker = newTenant();
        List<X509Certificate> chain = TlsClient.parse(publicChain(owner, issuing));
        Manufacturer imported = Manufacturer.root();
        api.post(owner.admin(), "/api/v1/pki/cas/import", Map.of("name", "imported", "certificate_pem",
                imported.pem(), "private_key_pem", Csrs.pem(imported.key().getPrivate()))).expect(201);
        String platformCa = api.get(null, "/pki/v1/platform/ca.pem").body();

        for (X509Certificate ca : chain) {
            trustAnchor(attacker, Csrs.pem(ca)).expectProblem(400, "VALIDATION_FAILED");
            trustAnchor(owner, Csrs.pem(ca)).expectProblem(400, "VALIDATION_FAILED");
        }
        trustAnchor(attacker, imported.pem()).expectProblem(400, "VALIDATION_FAILED");
        trustAnchor(attacker, platformCa).expectProblem(400, "VALIDATION_FAILED");

        assertThat(api.get(attacker.admin(), "/api/v1/pki/cas").expect(200)
                .path("items").valueStream().toList()).isEmpty();
        // A manufacturer's CA is still for any tenant to trust.
        trustAnchor(attacker, Manufacturer.root().pem()).expect(201);
    }

    @Test
    void aRefusedDeviceReenrollingWithItsCertificateIsRefusedAndNeverBootstrapsIntoAnotherTenant() {
        TestTenant owner = newTenant();
        String issuing = rootAndIssuingCa(owner);
        KeyPair key = Csrs.p256();
        Enrolled enrolled = device.simpleenroll(null, null, claimToken(owner), Csrs.csr(key, "x", false));
        Credential certificate = new Credential(key, enrolled.certificate());
        String deviceId = deviceIdOf(enrolled.certificate());
        TestTenant attacker = newTenant();
        for (X509Certificate ca : TlsClient.parse(publicChain(owner, issuing))) {
            trustAnchor(attacker, Csrs.pem(ca)).expectProblem(400, "VALIDATION_FAILED");
        }
        rootAndIssuingCa(attacker);
        manifest(attacker, deviceId);

        api.post(owner.admin(), "/api/v1/devices/" + deviceId + "/suspend", null).expect(200);

        assertThat(device.simpleenroll(null, certificate, null, Csrs.csr(Csrs.p256(), "x", false)).status())
                .as("a suspended device's simpleenroll").isEqualTo(403);
        assertThat(device.simpleenroll(attacker.id(), certificate, null, Csrs.csr(Csrs.p256(), "x", false))
                .status()).as("the same through the attacker's label").isEqualTo(403);
        device.post("/device/v1/bootstrap", "application/json", "{\"serial\":\"" + deviceId + "\",\"csr\":"
                + json(Csrs.csrPem(Csrs.p256())) + "}", certificate).expectProblem(403, "FORBIDDEN");

        String certificateId = api.get(owner.admin(), "/api/v1/devices/" + deviceId + "/certificates").expect(200)
                .path("items").get(0).path("id").asString();
        api.post(owner.admin(), "/api/v1/certificates/" + certificateId + "/revoke", Map.of("reason",
                "keyCompromise")).expect(200);
        assertThat(device.simpleenroll(null, certificate, null, Csrs.csr(Csrs.p256(), "x", false)).status())
                .as("a revoked certificate's simpleenroll").isEqualTo(401);

        assertThat(stats(attacker.admin()).path("total").asLong()).isZero();
        assertThat(stats(owner.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void anOperationalCertificateFromAManufacturerBothTenantsTrustNeverBootstrapsIntoTheOtherOne() {
        Manufacturer acme = Manufacturer.root();
        TestTenant owner = newTenant();
        rootAndIssuingCa(owner);
        trustAnchor(owner, acme.pem()).expect(201);
        Credential certificate = acme.deviceWithSerialNumber("SN-7");
        String deviceId = createDevice(owner.admin(), device("meter 7")).path("id").asString();
        api.post(owner.admin(), "/api/v1/devices/" + deviceId + "/certificates/upload", Map.of("certificate_pem",
                Csrs.pem(certificate.leaf()))).expect(201);
        TestTenant attacker = newTenant();
        rootAndIssuingCa(attacker);
        trustAnchor(attacker, acme.pem()).expect(201);
        manifest(attacker, "SN-7");

        api.post(owner.admin(), "/api/v1/devices/" + deviceId + "/suspend", null).expect(200);

        assertThat(device.simpleenroll(null, certificate, null, Csrs.csr(Csrs.p256(), "x", false)).status())
                .isEqualTo(403);
        device.post("/device/v1/bootstrap", "application/json", "{\"serial\":\"SN-7\",\"csr\":"
                + json(Csrs.csrPem(Csrs.p256())) + "}", certificate).expectProblem(403, "FORBIDDEN");
        assertThat(stats(attacker.admin()).path("total").asLong()).isZero();
        // The attacker's manifest still bootstraps a factory certificate that no tenant has bound.
        assertThat(device.simpleenroll(null, acme.deviceWithSerialNumber("SN-7"), null,
                Csrs.csr(Csrs.p256(), "x", false)).status()).isEqualTo(200);
        assertThat(stats(attacker.admin()).path("total").asLong()).isEqualTo(1);
    }

    @Test
    void aCertificateNamingAFleetkeeperDeviceNeverGivesItsCommonNameAsTheSerial() {
        Manufacturer rogue = Manufacturer.root();
        TestTenant attacker = newTenant();
        rootAndIssuingCa(attacker);
        trustAnchor(attacker, rogue.pem()).expect(201);
        String deviceId = UUID.randomUUID().toString();
        manifest(attacker, deviceId);
        Credential lookalike = rogue.device(new X500Name("CN=" + deviceId + ", OU=tenant "
                + UUID.randomUUID() + ", O=Fleetkeeper"), "urn:fleetkeeper:device:" + deviceId);

        assertThat(device.simpleenroll(null, lookalike, null, Csrs.csr(Csrs.p256(), "x", false)).status())
                .isEqualTo(403);
        assertThat(stats(attacker.admin()).path("total").asLong()).isZero();
    }

    // --- helpers ---------------------------------------------------------------------------------------

    /** Creates a root and an issuing CA (the default); returns the issuing CA's id. */
    String rootAndIssuingCa(TestTenant t) {
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        return api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201)
                .path("id").asString();
    }

    /** What anyone can download: the CA's chain from the public PKI path. */
    String publicChain(TestTenant t, String caId) {
        var reply = api.call("GET", "/pki/v1/tenants/" + t.id() + "/cas/" + caId + "/ca.pem").send();
        assertThat(reply.status()).isEqualTo(200);
        return reply.body();
    }

    Reply trustAnchor(TestTenant t, String pem) {
        return api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", randomName("anchor-"),
                "certificate_pem", pem));
    }

    void manifest(TestTenant t, String serial) {
        api.call("POST", "/api/v1/manifests/import?name=" + randomName("batch-")).token(t.admin())
                .body("text/csv", BodyPublishers.ofString("serial,device_type\n" + serial + ",meter\n")).send()
                .expect(201);
    }

    String claimToken(TestTenant t) {
        return api.post(t.admin(), "/api/v1/claim-tokens", Map.of("label", "est", "device_type", "meter",
                "max_uses", 10, "expires_at", Instant.now().plus(1, ChronoUnit.DAYS).toString())).expect(201)
                .path("token").asString();
    }

    static String deviceIdOf(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName().replaceAll(".*CN=([0-9a-f-]{36}).*", "$1");
    }

    static String json(String s) {
        return JsonMapper.builder().build().writeValueAsString(s);
    }
}
