package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Credential;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Renewal with an expired certificate, over real TLS on the device listener, with the application clock moved past
 * the certificate's expiry (the TLS handshake itself runs on the real time and accepts any client certificate):
 * refused unless the tenant's policy grants a grace, and then only for renewal, only within the grace, and only
 * for a certificate that is otherwise fine.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.auth.bootstrap-token=" + ExpiredCertificateRenewalTest.PLATFORM_TOKEN,
        "fleetkeeper.mqtt.port=-1", "fleetkeeper.jobs.runner-enabled=false",
        "fleetkeeper.pki.scheduler-delay-ms=3600000"})
class ExpiredCertificateRenewalTest {

    static final String PLATFORM_TOKEN = "fk_test-platform-operator-expired-renewal-0123456789";
    static final MutableClock CLOCK = new MutableClock(Instant.now());
    private static final String RENEW = "/device/v1/certificates/renew";

    @TestConfiguration
    static class Clocks {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws Exception {
        String dir = Files.createTempDirectory("fk-expired-renewal").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Autowired
    DeviceListener listener;
    @LocalServerPort
    int port;

    Api api;
    TestTenant tenant;
    CertDevice device;

    @BeforeEach
    void expiredDevice() throws Exception {
        api = new Api(port);
        tenant = TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
        MqttDevices devices = new MqttDevices(api);
        devices.cas(tenant);
        policy(1, 0);
        device = devices.certDevice(tenant, "meter");
        CLOCK.advance(Duration.ofDays(2)); // one day past its expiry
    }

    @Test
    void anExpiredCertificateCannotRenewWithoutAGrace() {
        assertThat(api.get(tenant.admin(), "/api/v1/pki/policy").expect(200).path("expired_renewal_grace_days")
                .asInt()).isZero();
        api.call("PUT", "/api/v1/pki/policy").token(tenant.admin()).body(Map.of("renewal_window_days", 30,
                "critical_window_days", 7, "overlap_hours", 24, "device_validity_days", 1,
                "expired_renewal_grace_days", 366)).send().expectProblem(400, "VALIDATION_FAILED");
        renew(device).expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void anExpiredCertificateRenewsWithinTheGraceAndIsAudited() throws Exception {
        policy(1, 30);
        Reply reply = renew(device);
        JsonNode renewed = reply.expect(200);
        X509Certificate issued = TlsClient.parse(renewed.path("certificate_pem").asString()).get(0);
        issued.checkValidity(java.util.Date.from(CLOCK.instant()));
        assertThat(api.get(tenant.admin(), "/api/v1/audit?action=certificate.renew_expired&target_id="
                + renewed.path("certificate_id").asString()).expect(200).path("items").valueStream()
                .map(e -> e.path("actor").asString())).containsExactly("device:" + device.id());

        // EST simplereenroll takes the expired certificate too.
        KeyPair key = Csrs.p256();
        Reply est = new TlsClient(api, listener.port()).post("/.well-known/est/simplereenroll", "application/pkcs10",
                TlsClient.estBody(Csrs.csr(key, "x", false)), new Credential(device.key(), device.chain()));
        assertThat(est.status()).isEqualTo(200);
    }

    @Test
    void theGraceCoversRenewalOnly() {
        policy(1, 30);
        devicePort(device).call("GET", "/device/v1/shadow", Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void anExpiredCertificateCannotRenewPastTheGrace() {
        policy(1, 30);
        CLOCK.advance(Duration.ofDays(30));
        renew(device).expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void aRevokedExpiredCertificateCannotRenewWithinTheGrace() {
        policy(1, 30);
        api.post(tenant.admin(), "/api/v1/certificates/" + device.certificateId() + "/revoke",
                Map.of("reason", "keyCompromise")).expect(200);
        renew(device).expectProblem(401, "UNAUTHENTICATED");
    }

    private void policy(int validityDays, int graceDays) {
        api.call("PUT", "/api/v1/pki/policy").token(tenant.admin()).body(Map.of("renewal_window_days", 30,
                "critical_window_days", 7, "overlap_hours", 24, "device_validity_days", validityDays,
                "expired_renewal_grace_days", graceDays)).send().expect(200);
    }

    private Reply renew(CertDevice d) {
        return devicePort(d).post(RENEW, Map.of(), Map.of("csr", Csrs.csrPem(Csrs.p256())));
    }

    private DevicePort devicePort(CertDevice d) {
        return new DevicePort(api, listener.port(), d.key(), d.chain());
    }
}
