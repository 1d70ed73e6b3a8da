package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.Manufacturer;
import io.fleetkeeper.testing.TlsClient;
import io.fleetkeeper.testing.TlsClient.Credential;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Which credential authenticates which device, across tenants and through a certificate's life, checked over
 * the real device listener (HTTPS with a client certificate), the MQTT endpoint (HiveMQ client over TLS),
 * openssl against the CRL and BouncyCastle's OCSP client.
 */
class CredentialIsolationTests extends ApiTest {

    @Autowired
    private DeviceListener listener;
    @Autowired
    private MqttEndpoint endpoint;

    private MqttDevices devices;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
    }

    @Test
    void aCertificateBoundInTwoTenantsAuthenticatesInNeitherAndBothAreTold() throws Exception {
        Manufacturer maker = Manufacturer.root();
        Credential real = maker.deviceWithSerialNumber(randomName("SN-"));
        TestTenant owner = newTenant();
        TestTenant attacker = newTenant();
        String attackers = boundDevice(attacker, maker, real);
        // While only one tenant binds it, it authenticates there (over MQTT the grant is then cached).
        try (var c = closing(mqtt(attackers).sslConfig().keyManagerFactory(keys(real)).trustManagerFactory(
                devices.trustManagers()).applySslConfig().buildBlocking())) {
            c.client().connect();
        }
        String owners = boundDevice(owner, maker, real);

        DevicePort device = new DevicePort(api, listener.port(), real.key(), real.chain());
        device.call("GET", "/device/v1/shadow", Map.of(), null).expectProblem(401, "UNAUTHENTICATED");
        for (String id : List.of(attackers, owners)) {
            Mqtt5BlockingClient c = mqtt(id).sslConfig().keyManagerFactory(keys(real))
                    .trustManagerFactory(devices.trustManagers()).applySslConfig().buildBlocking();
            assertThatThrownBy(c::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
                    e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        }
        assertThat(eventTypes(attacker, attackers)).contains("CREDENTIAL-CONFLICT");
        assertThat(eventTypes(owner, owners)).contains("CREDENTIAL-CONFLICT");
        for (TestTenant t : List.of(owner, attacker)) {
            assertThat(api.get(t.admin(), "/api/v1/audit?action=device.credential_conflict").expect(200)
                    .path("items")).hasSize(1);
        }
    }

    @Test
    void aCertificateFromACaAnotherTenantManagesNeitherUploadsNorAuthenticatesThroughATrustAnchor() throws Exception {
        Manufacturer maker = Manufacturer.root();
        Credential early = maker.deviceWithSerialNumber(randomName("SN-"));
        TestTenant anchored = newTenant();
        String bound = boundDevice(anchored, maker, early); // trusted as an anchor before anyone managed the CA
        TestTenant manager = newTenant();
        api.post(manager.admin(), "/api/v1/pki/cas/import", Map.of("name", "imported", "certificate_pem",
                maker.pem(), "private_key_pem", Csrs.pem(maker.key().getPrivate()))).expect(201);

        Credential late = maker.deviceWithSerialNumber(randomName("SN-"));
        String other = createDevice(anchored.admin(), device(randomName("dev-"))).path("id").asString();
        api.post(anchored.admin(), "/api/v1/devices/" + other + "/certificates/upload",
                Map.of("certificate_pem", Csrs.pem(late.chain()[0]))).expectProblem(400, "VALIDATION_FAILED");
        new DevicePort(api, listener.port(), early.key(), early.chain()).call("GET", "/device/v1/shadow", Map.of(),
                null).expectProblem(401, "UNAUTHENTICATED");
        Mqtt5BlockingClient c = mqtt(bound).sslConfig().keyManagerFactory(keys(early))
                .trustManagerFactory(devices.trustManagers()).applySslConfig().buildBlocking();
        assertThatThrownBy(c::connect).isInstanceOf(Mqtt5ConnAckException.class);
    }

    @Test
    void decommissioningRevokesEveryCertificateClosesTheSessionAndCrlAndOcspSaySo() throws Exception {
        assumeThat(Path.of("/usr/bin/openssl")).as("openssl is installed").exists();
        TestTenant t = newTenant();
        devices.cas(t);
        CertDevice d = devices.certDevice(t, "pump-1");
        CertDevice second = devices.certificateFor(t, d.id()); // a second certificate, still in its overlap
        var gone = new CompletableFuture<Throwable>();
        Mqtt5BlockingClient c = mqtt(d.id()).sslConfig().keyManagerFactory(second.keyManagers())
                .trustManagerFactory(devices.trustManagers()).applySslConfig().addDisconnectedListener(ctx -> {
                    if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                        gone.complete(ctx.getCause());
                    }
                }).buildBlocking();
        c.connect();
        String base = caBase(t, d.chain()[1]);
        assertThat(opensslVerify(d.chain()[0], base)).contains("OK");

        api.post(t.admin(), "/api/v1/devices/" + d.id() + "/decommission", Map.of()).expect(200);

        assertThat(gone.get(2, TimeUnit.SECONDS)).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED));
        for (CertDevice cert : List.of(d, second)) {
            JsonNode recorded = api.get(t.admin(), "/api/v1/certificates/" + cert.certificateId()).expect(200);
            assertThat(recorded.path("status").asString()).isEqualTo("REVOKED");
            assertThat(recorded.path("revocation_reason").asString()).isEqualTo("cessationOfOperation");
            assertThat(opensslVerify(cert.chain()[0], base)).contains("certificate revoked");
            assertThat(ocsp(base, cert.chain()[0], cert.chain()[1]).getResponses()[0].getCertStatus())
                    .isInstanceOfSatisfying(RevokedStatus.class, r -> assertThat(r.getRevocationReason())
                            .isEqualTo(CRLReason.cessationOfOperation));
        }
        assertThat(api.get(t.admin(), "/api/v1/devices/" + d.id()).expect(200).path("identity_status").asString())
                .isEqualTo("REVOKED");
    }

    @Test
    void purgingADeviceRevokesItsCertificates() throws Exception {
        TestTenant t = newTenant();
        devices.cas(t);
        CertDevice d = devices.certDevice(t, "pump-2");
        String base = caBase(t, d.chain()[1]);
        api.delete(t.admin(), "/api/v1/devices/" + d.id()).expect(204);
        assertThat(ocsp(base, d.chain()[0], d.chain()[1]).getResponses()[0].getCertStatus())
                .isInstanceOfSatisfying(RevokedStatus.class, r -> assertThat(r.getRevocationReason())
                        .isEqualTo(CRLReason.cessationOfOperation));
    }

    @Test
    void aSupersededCertificateIsRefusedOverMqttAtOnceWithoutOverlap() throws Exception {
        TestTenant t = newTenant();
        devices.cas(t);
        api.call("PUT", "/api/v1/pki/policy").token(t.admin()).body(Map.of("renewal_window_days", 30,
                "critical_window_days", 7, "overlap_hours", 0, "device_validity_days", 365)).send().expect(200);
        CertDevice first = devices.certDevice(t, "pump-3");
        Mqtt5BlockingClient c = certClient(first);
        c.connect(); // the grant is cached
        c.disconnect();
        CertDevice next = devices.certificateFor(t, first.id());

        assertThatThrownBy(certClient(first)::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        Mqtt5BlockingClient renewed = certClient(next);
        renewed.connect();
        renewed.disconnect();
    }

    @Test
    void revokingAnOlderCertificateKeepsTheSessionOfItsSuccessor() throws Exception {
        TestTenant t = newTenant();
        devices.cas(t);
        CertDevice old = devices.certDevice(t, "pump-4");
        CertDevice current = devices.certificateFor(t, old.id()); // the default policy keeps a 24 h overlap
        var gone = new CompletableFuture<Throwable>();
        Mqtt5BlockingClient c = mqtt(old.id()).sslConfig().keyManagerFactory(current.keyManagers())
                .trustManagerFactory(devices.trustManagers()).applySslConfig().addDisconnectedListener(
                        ctx -> gone.complete(ctx.getCause())).buildBlocking();
        c.connect();

        api.post(t.admin(), "/api/v1/certificates/" + old.certificateId() + "/revoke",
                Map.of("reason", "keyCompromise")).expect(200);
        assertThatThrownBy(certClient(old)::connect).isInstanceOf(Mqtt5ConnAckException.class);

        // A round trip through the server after the revocation was acted on: the session is still there.
        String topic = "fk/" + old.id() + "/echo";
        try (var inbox = c.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.SUBSCRIBED)) {
            c.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            assertThat(inbox.receive(5, TimeUnit.SECONDS)).isPresent();
        }
        assertThat(gone).isNotDone();
        assertThat(c.getState().isConnected()).isTrue();
        c.disconnect();
    }

    @Test
    void aDeviceKeyPresentedUnderAnotherDevicesIdGetsOneAnswerCachedOrNot() throws Exception {
        TestTenant t = newTenant();
        KeyDevice a = devices.keyDevice(t, "meter-a");
        KeyDevice b = devices.keyDevice(t, "meter-b");
        KeyDevice fresh = devices.keyDevice(t, "meter-c");
        Mqtt5BlockingClient own = keyClient(a.id());
        own.connectWith().simpleAuth().username(a.id()).password(a.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send(); // a's key is now cached
        own.disconnect();
        for (KeyDevice stolen : List.of(a, fresh)) { // cached, and never seen
            Mqtt5BlockingClient c = keyClient(b.id());
            assertThatThrownBy(() -> c.connectWith().simpleAuth().username(b.id())
                    .password(stolen.key().getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                    .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage()
                            .getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        }
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** A new device of the tenant, which trusts the maker's CA, with the maker's certificate uploaded to it. */
    private String boundDevice(TestTenant t, Manufacturer maker, Credential credential) {
        api.post(t.admin(), "/api/v1/pki/trust-anchors", Map.of("name", "maker",
                "certificate_pem", maker.pem())).expect(201);
        String id = createDevice(t.admin(), device(randomName("dev-"))).path("id").asString();
        api.post(t.admin(), "/api/v1/devices/" + id + "/certificates/upload",
                Map.of("certificate_pem", Csrs.pem(credential.chain()[0]))).expect(201);
        return id;
    }

    private List<String> eventTypes(TestTenant t, String deviceId) {
        return api.get(t.admin(), "/api/v1/devices/" + deviceId + "/events").expect(200).path("items").valueStream()
                .map(e -> e.path("type").asString()).toList();
    }

    private Mqtt5ClientBuilder mqtt(String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(endpoint.port());
    }

    private Mqtt5BlockingClient certClient(CertDevice d) throws Exception {
        return mqtt(d.id()).sslConfig().keyManagerFactory(d.keyManagers()).trustManagerFactory(devices.trustManagers())
                .applySslConfig().buildBlocking();
    }

    private Mqtt5BlockingClient keyClient(String clientId) throws Exception {
        return mqtt(clientId).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .buildBlocking();
    }

    private static javax.net.ssl.KeyManagerFactory keys(Credential c) throws Exception {
        return new CertDevice(null, null, c.key(), c.chain(), null, null, null, null).keyManagers();
    }

    /** Disconnects when closed, if still connected. */
    private record Closing(Mqtt5BlockingClient client) implements AutoCloseable {
        @Override
        public void close() {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        }
    }

    private static Closing closing(Mqtt5BlockingClient c) {
        return new Closing(c);
    }

    /** The public PKI base path of the tenant CA whose certificate is {@code ca}. */
    private String caBase(TestTenant t, X509Certificate ca) {
        JsonNode listed = api.get(t.admin(), "/api/v1/pki/cas").expect(200);
        for (JsonNode c : listed.path("items")) {
            if (TlsClient.parse(c.path("certificate_pem").asString()).get(0).equals(ca)) {
                return "/pki/v1/tenants/" + t.id() + "/cas/" + c.path("id").asString();
            }
        }
        throw new AssertionError("no CA of the tenant issued the certificate");
    }

    private String opensslVerify(X509Certificate leaf, String base) throws Exception {
        Path dir = Files.createTempDirectory("fk-openssl");
        Path leafFile = Files.writeString(dir.resolve("leaf.pem"), Csrs.pem(leaf));
        Path ca = Files.writeString(dir.resolve("ca-crl.pem"), api.call("GET", base + "/ca.pem").send().body()
                + api.call("GET", base + "/crl.pem").send().body());
        Process proc = new ProcessBuilder("openssl", "verify", "-crl_check", "-CAfile", ca.toString(),
                leafFile.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        proc.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private BasicOCSPResp ocsp(String base, X509Certificate leaf, X509Certificate issuer) throws Exception {
        CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(issuer), leaf.getSerialNumber());
        byte[] request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(api.uri(base + "/ocsp")).header("Content-Type", "application/ocsp-request")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return (BasicOCSPResp) new OCSPResp(r.body()).getResponseObject();
    }
}
