package io.fleetkeeper.pki;

import static io.fleetkeeper.testing.CountedStatements.HEADER;
import static io.fleetkeeper.testing.CountedStatements.counted;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Api;
import io.fleetkeeper.testing.CountedStatements;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.StatementCountingTest;
import io.fleetkeeper.testing.TestTenant;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Credential;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SQL statements per certificate issuance, counted at the JDBC driver (every statement execution, a batch counted
 * once) on the thread serving the request, through the real interfaces: the management API
 * ({@code POST /api/v1/devices/{id}/certificates}, a device's first certificate) and EST {@code simplereenroll}
 * over mutual TLS on the device listener (a device renewing, its credential already cached, as in the
 * {@code pki} benchmark). The bounds keep the statement count from creeping back up; the statements are printed
 * so a failure shows which ones came back.
 */
class IssuanceStatementsTest extends StatementCountingTest {

    Api api;
    TestTenant tenant;
    MqttDevices devices;

    @BeforeEach
    void tenantWithCas() throws Exception {
        api = new Api(port);
        tenant = TestTenant.create(api, PLATFORM_TOKEN, "t-" + System.nanoTime());
        devices = new MqttDevices(api);
        devices.cas(tenant);
    }

    @Test
    void aFirstIssuanceThroughTheManagementApi() {
        String deviceId = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "m", "device_type", "meter"))
                .expect(201).path("id").asString();
        // A warm-up issuance of another device, so lazily read settings are not counted.
        String warm = api.post(tenant.admin(), "/api/v1/devices", Map.of("name", "w", "device_type", "meter"))
                .expect(201).path("id").asString();
        api.post(tenant.admin(), "/api/v1/devices/" + warm + "/certificates", Map.of("csr",
                Csrs.csrPem(Csrs.p256()))).expect(201);

        List<String> statements = counted(() -> api.call("POST", "/api/v1/devices/" + deviceId + "/certificates")
                .token(tenant.admin()).header(HEADER, "1").body(Map.of("csr", Csrs.csrPem(Csrs.p256()))).send()
                .expect(201));

        System.out.printf("first issuance, management API: %d statements%n  %s%n", statements.size(),
                String.join("\n  ", statements));
        assertThat(statements).as("statements of a first issuance").hasSizeLessThanOrEqualTo(16);
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + deviceId).expect(200).path("identity_status")
                .asString()).isEqualTo("ACTIVE");
    }

    @Test
    void aRenewalThroughEst() throws Exception {
        CertDevice device = devices.certDevice(tenant, "meter");
        TlsClient est = new TlsClient(api, listener.port());
        Credential credential = new Credential(device.key(), device.chain());
        // Warm-up: the first request authenticates from the store and caches the credential, as a kept-alive
        // device connection of the benchmark does once.
        assertThat(est.post("/.well-known/est/simplereenroll", "application/pkcs10",
                TlsClient.estBody(Csrs.csr(Csrs.p256(), "x", false)), credential).status()).isEqualTo(200);

        List<String> statements = counted(() -> {
            Reply r = est.post("/.well-known/est/simplereenroll", "application/pkcs10",
                    TlsClient.estBody(Csrs.csr(Csrs.p256(), "x", false)), credential, Map.of(HEADER, "1"));
            assertThat(r.status()).isEqualTo(200);
        });

        System.out.printf("renewal, EST simplereenroll: %d statements%n  %s%n", statements.size(),
                String.join("\n  ", statements));
        assertThat(statements).as("statements of an EST renewal").hasSizeLessThanOrEqualTo(16);
    }
}
