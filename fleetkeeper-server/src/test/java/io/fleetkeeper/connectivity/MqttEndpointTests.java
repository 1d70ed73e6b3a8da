package io.fleetkeeper.connectivity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.fleetkeeper.connectivity.internal.MqttEndpoint;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.MosquittoClients;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The MQTT endpoint through real TLS with independent clients: Mosquitto's command-line clients and
 * the HiveMQ Java client, with certificates issued by the tenant's CA or device keys.
 */
class MqttEndpointTests extends ApiTest {

    @Autowired
    private MqttEndpoint endpoint;
    @Autowired
    private DeviceMessaging messaging;

    private MqttDevices devices;
    private TestTenant tenant;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
        devices.cas(tenant);
    }

    @Test
    void certificateDeviceReceivesWhatAFeatureSendsToItsTopic() throws Exception {
        MosquittoClients.assumeInstalled();
        CertDevice d = devices.certDevice(tenant, "pump-1");
        var sub = new MosquittoClients(endpoint.port()).sub(MosquittoClients.certificate(d),
                "-t", "fk/" + d.id() + "/commands/#", "-q", "1", "-C", "1", "-W", "15", "-v");
        // Send until the subscription is in place and the client has its one message.
        for (int i = 0; i < 100 && sub.process().isAlive(); i++) {
            messaging.publish(UUID.fromString(tenant.id()), UUID.fromString(d.id()), "commands/reboot",
                    "{\"delay\":5}".getBytes(StandardCharsets.UTF_8), 1);
            sub.process().waitFor(100, TimeUnit.MILLISECONDS);
        }
        sub.await(5);
        assertThat(sub.output()).isEqualTo("fk/" + d.id() + "/commands/reboot {\"delay\":5}\n");
        assertThat(sub.exitCode()).isZero();
    }

    @Test
    void deviceKeyDevicePublishReachesTheFeatureConsuming() throws Exception {
        MosquittoClients.assumeInstalled();
        KeyDevice d = devices.keyDevice(tenant, "meter-1");
        var received = new LinkedBlockingQueue<DeviceMessage>();
        messaging.consume("telemetry/#", m -> {
            if (m.deviceId().toString().equals(d.id())) {
                received.add(m);
            }
        });
        var pub = new MosquittoClients(endpoint.port()).pub(MosquittoClients.deviceKey(d),
                "-t", "fk/" + d.id() + "/telemetry/power", "-m", "{\"w\":230}", "-q", "1", "-V", "mqttv311").await(15);
        assertThat(pub.exitCode()).as(pub.output()).isZero();
        DeviceMessage m = received.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.tenantId()).hasToString(tenant.id());
        assertThat(m.suffix()).isEqualTo("telemetry/power");
        assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"w\":230}");
        assertThat(m.qos()).isEqualTo(1);
    }

    @Test
    void theEndpointServesAgainAfterAStopAndStart() throws Exception {
        // The Spring test framework pauses cached contexts (stop) and resumes them (start) between classes.
        endpoint.stop();
        endpoint.stop();
        endpoint.start();
        endpoint.start();
        KeyDevice d = devices.keyDevice(tenant, "meter-10");
        var received = new LinkedBlockingQueue<DeviceMessage>();
        messaging.consume("restart/#", m -> {
            if (m.deviceId().toString().equals(d.id())) {
                received.add(m);
            }
        });
        Mqtt5BlockingClient c = keyClient(d);
        c.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        c.publishWith().topic("fk/" + d.id() + "/restart/ok").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        assertThat(received.poll(5, TimeUnit.SECONDS)).isNotNull();
        c.disconnect();
    }

    @Test
    void mosquittoWithAnotherDevicesTopicIsDenied() throws Exception {
        MosquittoClients.assumeInstalled();
        KeyDevice d = devices.keyDevice(tenant, "meter-2");
        var sub = new MosquittoClients(endpoint.port()).sub(MosquittoClients.deviceKey(d),
                "-t", "fk/" + UUID.randomUUID() + "/commands/#", "-C", "1", "-W", "5", "-V", "mqttv311").await(10);
        assertThat(sub.output()).contains("All subscription requests were denied");
    }

    @Test
    void clientIdMustBeTheDeviceId() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter-3");
        Mqtt5BlockingClient c = v5(UUID.randomUUID().toString()).sslConfig()
                .trustManagerFactory(devices.trustManagers()).applySslConfig().buildBlocking();
        assertThatThrownBy(() -> c.connectWith().simpleAuth().username(d.id())
                .password(d.key().getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID));
    }

    @Test
    void wrongOrMissingCredentialsAreRefused() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter-4");
        Mqtt3BlockingClient wrong = MqttClient.builder().useMqttVersion3().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers())
                .applySslConfig().buildBlocking();
        assertThatThrownBy(() -> wrong.connectWith().simpleAuth().username(d.id())
                .password("dvc_not-the-key".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt3ConnAckException.class, e -> assertThat(e.getMqttMessage().getReturnCode())
                        .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD));
        Mqtt5BlockingClient none = keyClient(d);
        assertThatThrownBy(none::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void forgedOrTamperedClientCertificatesAreRefusedInTheTlsHandshake() throws Exception {
        CertDevice d = devices.certDevice(tenant, "valve-9");
        X509Certificate issued = d.chain()[0];
        // Under the issuing CA's name, with the device's own key, but signed by another key.
        KeyPair impostor = Csrs.p256();
        X509Certificate forged = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                X500Name.getInstance(issued.getIssuerX500Principal().getEncoded()), issued.getSerialNumber(),
                issued.getNotBefore(), issued.getNotAfter(),
                X500Name.getInstance(issued.getSubjectX500Principal().getEncoded()), d.key().getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(impostor.getPrivate())));
        // The issued certificate with one byte of its subject changed.
        byte[] der = issued.getEncoded();
        byte[] id = d.id().getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + id.length <= der.length && at < 0; i++) {
            at = Arrays.equals(der, i, i + id.length, id, 0, id.length) ? i : -1;
        }
        assertThat(at).as("the device id in the subject").isNotNegative();
        der[at] = (byte) (der[at] == 'a' ? 'b' : 'a');
        X509Certificate tampered = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));

        for (X509Certificate bad : List.of(forged, tampered)) {
            for (X509Certificate[] chain : List.of(new X509Certificate[] {bad},
                    new X509Certificate[] {bad, d.chain()[1]})) {
                CertDevice presenting = new CertDevice(d.tenant(), d.id(), d.key(), chain, d.certificateId(),
                        d.keyFile(), d.certFile(), d.caFile());
                Mqtt5BlockingClient c = certClient(presenting);
                assertThatThrownBy(c::connect).as("refused before MQTT's CONNACK: %s", bad.getSubjectX500Principal())
                        .isNotInstanceOf(Mqtt5ConnAckException.class);
            }
        }
        Mqtt5BlockingClient genuine = certClient(d);
        genuine.connect();
        genuine.disconnect();
    }

    @Test
    void suspendedDeviceIsNotAuthorized() throws Exception {
        CertDevice d = devices.certDevice(tenant, "pump-2");
        api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/suspend", Map.of()).expect(200);
        Mqtt5BlockingClient c = v5(d.id()).sslConfig().keyManagerFactory(d.keyManagers())
                .trustManagerFactory(devices.trustManagers()).applySslConfig().buildBlocking();
        assertThatThrownBy(c::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
    }

    @Test
    void suspendedDeviceWithAKeyIsNotAuthorized() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter-8");
        api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/suspend", Map.of()).expect(200);
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers())
                .applySslConfig().buildBlocking();
        assertThatThrownBy(() -> c.connectWith().simpleAuth().username(d.id())
                .password(d.key().getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt3ConnAckException.class, e -> assertThat(e.getMqttMessage().getReturnCode())
                        .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED));
    }

    @Test
    void revokingTheCertificateOfAConnectedDeviceClosesItsSessionWithinASecondAndItCannotReturn()
            throws Exception {
        CertDevice d = devices.certDevice(tenant, "pump-6");
        var gone = new CompletableFuture<Throwable>();
        Mqtt5BlockingClient c = v5(d.id()).sslConfig().keyManagerFactory(d.keyManagers())
                .trustManagerFactory(devices.trustManagers()).applySslConfig()
                .addDisconnectedListener(ctx -> {
                    if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                        gone.complete(ctx.getCause());
                    }
                }).buildBlocking();
        c.connect();
        c.disconnect();
        c.connect(); // the second connection is decided from the cache
        api.post(tenant.admin(), "/api/v1/certificates/" + d.certificateId() + "/revoke",
                Map.of("reason", "keyCompromise")).expect(200);
        // Within a second of the revocation taking effect (the response; re-signing the CRL takes the request
        // itself a while on a loaded machine). Usually the session is gone before the response arrives.
        Throwable cause = gone.get(1, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED));
        Mqtt5BlockingClient again = certClient(d);
        assertThatThrownBy(again::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
    }

    @Test
    void suspendingAConnectedKeyDeviceClosesItsSessionAndResumingLetsItBack() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter-9");
        var gone = new CompletableFuture<Void>();
        Mqtt5BlockingClient c = v5(d.id()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .addDisconnectedListener(ctx -> gone.complete(null)).buildBlocking();
        byte[] key = d.key().getBytes(StandardCharsets.UTF_8);
        c.connectWith().simpleAuth().username(d.id()).password(key).applySimpleAuth().send();
        api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/suspend", Map.of()).expect(200);
        gone.get(1, TimeUnit.SECONDS);
        api.post(tenant.admin(), "/api/v1/devices/" + d.id() + "/resume", Map.of()).expect(200);
        Mqtt5BlockingClient back = keyClient(d);
        back.connectWith().simpleAuth().username(d.id()).password(key).applySimpleAuth().send();
        assertThat(back.getState().isConnected()).isTrue();
        back.disconnect();
    }

    @Test
    void subscriptionsReachingOutsideTheNamespaceAreRefusedOneByOne() throws Exception {
        CertDevice d = devices.certDevice(tenant, "pump-3");
        Mqtt5BlockingClient c = certClient(d);
        c.connect();
        String other = "fk/" + UUID.randomUUID() + "/commands/#";
        List<String> filters = List.of("fk/" + d.id() + "/commands/#", other, "#", "fk/+/commands", "$SYS/#",
                "$share/g/fk/" + d.id() + "/x", "fk/#", "fk/" + d.id() + "/+/result");
        List<Mqtt5SubAckReasonCode> codes = filters.stream().map(f -> subscribeCode(c, f)).toList();
        assertThat(codes).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1, Mqtt5SubAckReasonCode.NOT_AUTHORIZED,
                Mqtt5SubAckReasonCode.NOT_AUTHORIZED, Mqtt5SubAckReasonCode.NOT_AUTHORIZED,
                Mqtt5SubAckReasonCode.NOT_AUTHORIZED, Mqtt5SubAckReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED,
                Mqtt5SubAckReasonCode.NOT_AUTHORIZED, Mqtt5SubAckReasonCode.GRANTED_QOS_1);
        assertThat(c.getState().isConnected()).isTrue();
        c.disconnect();
    }

    @Test
    void v311SubscriptionOutsideTheNamespaceFailsAndPublishOutsideDisconnects() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter-5");
        var disconnected = new CompletableFuture<Void>();
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(d.id()).serverHost("127.0.0.1")
                .serverPort(endpoint.port()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig()
                .addDisconnectedListener(ctx -> disconnected.complete(null)).buildBlocking();
        c.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        List<Mqtt3SubAckReturnCode> codes;
        try {
            codes = c.subscribeWith().addSubscription().topicFilter("fk/" + d.id() + "/a").qos(MqttQos.AT_LEAST_ONCE)
                    .applySubscription().addSubscription().topicFilter("$SYS/#").applySubscription().send()
                    .getReturnCodes();
        } catch (Mqtt3SubAckException e) {
            codes = e.getMqttMessage().getReturnCodes();
        }
        assertThat(codes).containsExactly(Mqtt3SubAckReturnCode.SUCCESS_MAXIMUM_QOS_1,
                Mqtt3SubAckReturnCode.FAILURE);
        c.publishWith().topic("fk/" + UUID.randomUUID() + "/telemetry").payload(new byte[] {1}).send();
        disconnected.get(5, TimeUnit.SECONDS);
    }

    @Test
    void theSameDeviceConnectingAgainTakesOverTheSession() throws Exception {
        CertDevice d = devices.certDevice(tenant, "pump-4");
        var firstGone = new CompletableFuture<Throwable>();
        Mqtt5BlockingClient first = v5(d.id()).sslConfig().keyManagerFactory(d.keyManagers())
                .trustManagerFactory(devices.trustManagers()).applySslConfig()
                .addDisconnectedListener(ctx -> {
                    if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                        firstGone.complete(ctx.getCause());
                    }
                }).buildBlocking();
        first.connect();
        Mqtt5BlockingClient second = certClient(d);
        second.connect();
        Throwable cause = firstGone.get(5, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER));
        assertThat(second.getState().isConnected()).isTrue();
        // The second session works: it receives what is sent to it.
        try (var publishes = second.publishes(MqttGlobalPublishFilter.ALL)) {
            second.subscribeWith().topicFilter("fk/" + d.id() + "/config").qos(MqttQos.AT_LEAST_ONCE).send();
            messaging.publish(UUID.fromString(tenant.id()), UUID.fromString(d.id()), "config", new byte[] {42}, 1);
            Optional<Mqtt5Publish> p = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(p).isPresent();
            assertThat(p.get().getPayloadAsBytes()).containsExactly(42);
        }
        second.disconnect();
    }

    @Test
    void persistentSessionReceivesQos1MessagesSentWhileItWasAway() throws Exception {
        CertDevice d = devices.certDevice(tenant, "pump-5");
        Mqtt5BlockingClient c = certClient(d);
        c.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        c.subscribeWith().topicFilter("fk/" + d.id() + "/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
        c.disconnect();
        UUID t = UUID.fromString(tenant.id());
        UUID id = UUID.fromString(d.id());
        for (int i = 0; i < 3; i++) {
            messaging.publish(t, id, "jobs/" + i, new byte[] {(byte) i}, 1);
        }
        try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            var ack = c.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
            assertThat(ack.isSessionPresent()).isTrue();
            for (int i = 0; i < 3; i++) {
                Optional<Mqtt5Publish> p = publishes.receive(5, TimeUnit.SECONDS);
                assertThat(p).isPresent();
                assertThat(p.get().getTopic()).hasToString("fk/" + d.id() + "/jobs/" + i);
            }
        }
        c.disconnect();
    }

    @Test
    void willIsPublishedWhenTheConnectionDropsButNotOnCleanDisconnect() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter-6");
        var wills = new LinkedBlockingQueue<DeviceMessage>();
        messaging.consume("status/will", m -> {
            if (m.deviceId().toString().equals(d.id())) {
                wills.add(m);
            }
        });
        Mqtt5BlockingClient clean = keyClient(d);
        clean.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().willPublish().topic("fk/" + d.id() + "/status/will").payload(new byte[] {0})
                .applyWillPublish().send();
        clean.disconnect();

        // The second connection's will (payload 1) is the marker: a will of the clean disconnect (payload 0)
        // would have been handed to the consumer before the second connection even started its handshake.
        Mqtt5BlockingClient dropped = keyClient(d);
        dropped.connectWith().simpleAuth().username(d.id()).password(d.key().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().willPublish().topic("fk/" + d.id() + "/status/will").payload(new byte[] {1})
                .applyWillPublish().send();
        // Disconnect with reason 0x04 ("with will message") asks the server to publish it.
        dropped.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
        DeviceMessage will = wills.poll(5, TimeUnit.SECONDS);
        assertThat(will).isNotNull();
        assertThat(will.payload()).as("the dropped connection's will, and no will before it").containsExactly(1);
    }

    @Test
    void willOutsideTheNamespaceIsRefusedAtConnect() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "meter-7");
        Mqtt5BlockingClient c = keyClient(d);
        assertThatThrownBy(() -> c.connectWith().simpleAuth().username(d.id())
                .password(d.key().getBytes(StandardCharsets.UTF_8)).applySimpleAuth().willPublish()
                .topic("fk/" + UUID.randomUUID() + "/status").payload(new byte[] {0}).applyWillPublish().send())
                .isInstanceOf(Mqtt5ConnAckException.class);
    }

    // --- helpers -------------------------------------------------------------------------------------

    private Mqtt5ClientBuilder v5(String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(endpoint.port());
    }

    private Mqtt5BlockingClient certClient(CertDevice d) throws Exception {
        return v5(d.id()).sslConfig().keyManagerFactory(d.keyManagers()).trustManagerFactory(devices.trustManagers())
                .applySslConfig().buildBlocking();
    }

    private Mqtt5BlockingClient keyClient(KeyDevice d) throws Exception {
        return v5(d.id()).sslConfig().trustManagerFactory(devices.trustManagers()).applySslConfig().buildBlocking();
    }

    private static Mqtt5SubAckReasonCode subscribeCode(Mqtt5BlockingClient c, String filter) {
        try {
            Mqtt5SubAck ack = c.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
            return ack.getReasonCodes().get(0);
        } catch (Mqtt5SubAckException e) {
            return e.getMqttMessage().getReasonCodes().get(0);
        }
    }
}
