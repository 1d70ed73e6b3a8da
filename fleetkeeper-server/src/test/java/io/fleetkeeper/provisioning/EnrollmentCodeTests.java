package io.fleetkeeper.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Enrolled;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A device registered through the management API has no identity until it enrolls itself over EST with the
 * one-time enrollment code an operator gave it (the HTTP Basic password), with BouncyCastle's EST client over
 * real TLS.
 */
class EnrollmentCodeTests extends ApiTest {

    @Autowired
    DeviceListener listener;

    TlsClient est;
    TestTenant tenant;

    @BeforeEach
    void tenant() {
        est = new TlsClient(api, listener.port());
        tenant = tenantWithCa();
    }

    TestTenant tenantWithCa() {
        TestTenant t = newTenant();
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        return t;
    }

    String registeredDevice(TestTenant t) {
        return createDevice(t.admin(), device(randomName("pump-"))).path("id").asString();
    }

    JsonNode issueCode(TestTenant t, String deviceId, Object body) {
        return api.post(t.admin(), "/api/v1/devices/" + deviceId + "/enrollment-credential", body).expect(201);
    }

    static PKCS10CertificationRequest csr(KeyPair key) {
        return Csrs.csr(key, "ignored", false);
    }

    @Test
    void theDeviceEnrollsOnceWithItsCodeIntoItsOwnIdentitySlot() {
        String deviceId = registeredDevice(tenant);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId).expect(200).path("identity_status")
                .asString()).isEqualTo("NO_IDENTITY");
        JsonNode issued = issueCode(tenant, deviceId, null);
        String code = issued.path("enrollment_code").asString();
        assertThat(code).startsWith("fke_").startsWith(issued.path("prefix").asString());
        assertThat(Instant.parse(issued.path("expires_at").asString()))
                .isCloseTo(Instant.now().plus(7, ChronoUnit.DAYS), within(1, ChronoUnit.MINUTES));

        KeyPair key = Csrs.p256();
        Enrolled enrolled = est.simpleenroll(null, null, code, csr(key));

        assertThat(enrolled.status()).isEqualTo(200);
        assertThat(enrolled.certificate().getPublicKey()).isEqualTo(key.getPublic());
        assertThat(enrolled.certificate().getSubjectX500Principal().getName()).contains("CN=" + deviceId);
        JsonNode device = api.get(tenant.admin(), "/api/v1/devices/" + deviceId).expect(200);
        assertThat(device.path("identity_status").asString()).isEqualTo("ACTIVE");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/certificates").expect(200)
                .path("items").valueStream().map(c -> c.path("slot").asString())).containsExactly("identity");
        // Provisioned once, by the enrollment (the certificate it issued does not add a second event).
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/events?type=PROVISIONED").expect(200)
                .path("items").valueStream().map(e -> e.path("details").path("method").asString()))
                .containsExactly("enrollment_code");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=device.enroll").expect(200).path("items")
                .valueStream().map(a -> a.path("target_id").asString())).containsExactly(deviceId);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/provenance").expect(200)
                .path("method").asString()).isEqualTo("enrollment_code");

        assertThat(est.simpleenroll(null, null, code, csr(Csrs.p256())).status()).as("used twice").isEqualTo(401);
        assertThat(stats(tenant.admin()).path("total").asLong()).isEqualTo(1);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId + "/certificates").expect(200)
                .path("items")).hasSize(1);
    }

    @Test
    void unknownExpiredAndReplacedCodesAre401AndChangeNothing() {
        String deviceId = registeredDevice(tenant);
        Instant expiry = Instant.now().plusMillis(1500);
        String expiring = issueCode(tenant, deviceId, Map.of("expires_at", expiry.toString()))
                .path("enrollment_code").asString();
        Await.until(Duration.ofSeconds(10), "the code's expiry has passed", () -> Instant.now().isAfter(expiry));

        assertThat(est.simpleenroll(null, null, expiring, csr(Csrs.p256())).status()).as("expired").isEqualTo(401);
        assertThat(est.simpleenroll(null, null, "fke_unknown-unknown-unknown-unknown-unknown-unkno",
                csr(Csrs.p256())).status()).as("unknown").isEqualTo(401);

        String replaced = issueCode(tenant, deviceId, null).path("enrollment_code").asString();
        String current = issueCode(tenant, deviceId, null).path("enrollment_code").asString();
        assertThat(est.simpleenroll(null, null, replaced, csr(Csrs.p256())).status()).as("replaced").isEqualTo(401);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId).expect(200).path("identity_status")
                .asString()).isEqualTo("NO_IDENTITY");
        assertThat(est.simpleenroll(null, null, current, csr(Csrs.p256())).status()).isEqualTo(200);
    }

    @Test
    void aLabelNamingAnotherTenantIs404AndKeepsTheCode() {
        TestTenant other = tenantWithCa();
        String deviceId = registeredDevice(other);
        String code = issueCode(other, deviceId, null).path("enrollment_code").asString();

        assertThat(est.simpleenroll(tenant.id(), null, code, csr(Csrs.p256())).status()).isEqualTo(404);
        assertThat(est.simpleenroll(tenant.id() + ".issuing", null, code, csr(Csrs.p256())).status())
                .isEqualTo(404);
        assertThat(api.get(other.admin(), "/api/v1/devices/" + deviceId).expect(200).path("identity_status")
                .asString()).isEqualTo("NO_IDENTITY");

        assertThat(est.simpleenroll(other.id(), null, code, csr(Csrs.p256())).status()).isEqualTo(200);
    }

    @Test
    void aDeviceWithAnIdentityOrDecommissionedGetsNoCode() {
        String withIdentity = registeredDevice(tenant);
        api.post(tenant.admin(), "/api/v1/devices/" + withIdentity + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201);
        api.post(tenant.admin(), "/api/v1/devices/" + withIdentity + "/enrollment-credential", null)
                .expectProblem(409, "CONFLICT");

        String retired = registeredDevice(tenant);
        api.post(tenant.admin(), "/api/v1/devices/" + retired + "/decommission", Map.of()).expect(200);
        api.post(tenant.admin(), "/api/v1/devices/" + retired + "/enrollment-credential", null)
                .expectProblem(409, "CONFLICT");
    }

    @Test
    void aCodeIssuedBeforeAnIdentityOrADecommissionNoLongerEnrolls() {
        String boundLater = registeredDevice(tenant);
        String first = issueCode(tenant, boundLater, null).path("enrollment_code").asString();
        api.post(tenant.admin(), "/api/v1/devices/" + boundLater + "/certificates",
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(201);
        assertThat(est.simpleenroll(null, null, first, csr(Csrs.p256())).status()).isEqualTo(409);

        String retired = registeredDevice(tenant);
        String second = issueCode(tenant, retired, null).path("enrollment_code").asString();
        api.post(tenant.admin(), "/api/v1/devices/" + retired + "/decommission", Map.of()).expect(200);
        assertThat(est.simpleenroll(null, null, second, csr(Csrs.p256())).status()).isEqualTo(401);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + retired + "/certificates").expect(200)
                .path("items")).isEmpty();
    }

    @Test
    void anotherTenantsDeviceIsNotFoundAndAnExpiryOutOfRangeIsRefused() {
        String deviceId = registeredDevice(tenant);
        TestTenant other = newTenant();
        api.post(other.admin(), "/api/v1/devices/" + deviceId + "/enrollment-credential", null)
                .expectProblem(404, "NOT_FOUND");
        api.post(tenant.admin(), "/api/v1/devices/" + deviceId + "/enrollment-credential",
                Map.of("expires_at", Instant.now().plus(31, ChronoUnit.DAYS).toString()))
                .expectProblem(400, "VALIDATION_FAILED");
        api.post(tenant.admin(), "/api/v1/devices/" + deviceId + "/enrollment-credential",
                Map.of("expires_at", Instant.now().minusSeconds(5).toString()))
                .expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=enrollment_code.issue").expect(200)
                .path("items")).isEmpty();
    }
}
