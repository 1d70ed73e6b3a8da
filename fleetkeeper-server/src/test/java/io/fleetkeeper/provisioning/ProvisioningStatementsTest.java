package io.fleetkeeper.provisioning;

import static io.fleetkeeper.testing.CountedStatements.HEADER;
import static io.fleetkeeper.testing.CountedStatements.counted;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.CountedStatements;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.StatementCountingTest;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient.Credential;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SQL statements per device provisioning on the device listener, counted at the JDBC driver (every statement
 * execution) on the thread serving the request: a registration with a provisioning key, a claim with a claim
 * token and a CSR, and a zero-touch bootstrap with a factory certificate, each after one warm-up of its kind (as
 * in the {@code provisioning} benchmark). The bounds keep the count from creeping back up; the statements are
 * printed so a failure shows which ones came back.
 */
class ProvisioningStatementsTest extends StatementCountingTest {

    Api api;
    TestTenant tenant;
    DevicePort device;

    @BeforeEach
    void tenantWithCas() {
        api = new Api(port);
        tenant = TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
        String root = api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(tenant.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        device = new DevicePort(api, listener.port());
    }

    @Test
    void aRegistrationWithAProvisioningKey() {
        String key = api.post(tenant.admin(), "/api/v1/provisioning-keys", Map.of("label", "plant"))
                .expect(201).path("key").asString();
        device.post("/device/v1/register", Map.of("X-Provisioning-Key", key), body("warm-up")).expect(201);

        List<String> statements = counted(() -> device.post("/device/v1/register",
                Map.of("X-Provisioning-Key", key, HEADER, "1"), body("reg-1")).expect(201));

        CountedStatements.print("registration", statements);
        assertThat(statements).as("statements of a registration").hasSizeLessThanOrEqualTo(16);
    }

    @Test
    void aClaimWithAClaimToken() {
        String token = api.post(tenant.admin(), "/api/v1/claim-tokens", Map.of("label", "installer",
                "device_type", "meter", "max_uses", 10, "expires_at", Instant.now().plus(1, ChronoUnit.DAYS)
                        .toString())).expect(201).path("token").asString();
        device.post("/device/v1/claim", Map.of("X-Claim-Token", token), Map.of("csr", Csrs.csrPem(Csrs.p256()),
                "name", "warm-up")).expect(201);

        List<String> statements = counted(() -> device.post("/device/v1/claim", Map.of("X-Claim-Token", token,
                HEADER, "1"), Map.of("csr", Csrs.csrPem(Csrs.p256()), "name", "claim-1")).expect(201));

        CountedStatements.print("claim", statements);
        assertThat(statements).as("statements of a claim").hasSizeLessThanOrEqualTo(28);
    }

    @Test
    void aZeroTouchBootstrap() {
        Manufacturer factory = Manufacturer.root();
        api.post(tenant.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "acme", "certificate_pem",
                factory.pem())).expect(201);
        api.call("POST", "/api/v1/manifests/import?name=batch").token(tenant.admin())
                .body("text/csv", BodyPublishers.ofString("serial,device_type\nSN-1,meter\nSN-2,meter\n")).send()
                .expect(201);
        bootstrap(factory.deviceWithSerialNumber("SN-1"), "SN-1", Map.of());

        Credential sn2 = factory.deviceWithSerialNumber("SN-2");
        List<String> statements = counted(() -> bootstrap(sn2, "SN-2", Map.of(HEADER, "1")));

        CountedStatements.print("bootstrap", statements);
        assertThat(statements).as("statements of a bootstrap").hasSizeLessThanOrEqualTo(30);
    }

    private void bootstrap(Credential factory, String serial, Map<String, String> headers) {
        new DevicePort(api, listener.port(), factory.key(), factory.chain())
                .post("/device/v1/bootstrap", headers, Map.of("serial", serial, "csr", Csrs.csrPem(Csrs.p256())))
                .expect(201);
    }

    private static Map<String, Object> body(String name) {
        return Map.of("name", name, "type", "meter", "location", "lab");
    }
}
