package io.fleetkeeper.connectivity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.ClusterMessage;
import io.fleetkeeper.connectivity.ConnectionInfo;
import io.fleetkeeper.connectivity.ConnectionListener;
import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.Authentication;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.credentials.Refusal;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The MQTT connection handlers in a Netty pipeline without sockets: CONNECT up to the CONNACK in
 * {@link MqttConnectHandler}, the session after it in {@link MqttSessionHandler}. Behind them: the real
 * {@link MqttAccess} and {@link SessionRegistry} over a fake credential store and a single-node bus.
 */
class MqttHandlerTests {

    static final UUID TENANT = UUID.randomUUID();
    static final UUID DEVICE = UUID.randomUUID();
    static final String KEY = "dvc_good";
    static final int PUBLISHES_PER_SECOND = 5;

    final ConnectivityProperties props = new ConnectivityProperties(8883, "0.0.0.0", 0, true, 131072, 50, 32, 1000,
            PUBLISHES_PER_SECOND, 5000, Duration.ofSeconds(10), Duration.ofHours(1), 256, 16, "", Duration.ofSeconds(1),
            Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(60), java.util.List.of());
    final Credentials credentials = new Credentials();
    final List<String> events = new CopyOnWriteArrayList<>();
    final Bus bus = new Bus();
    final Clock registryClock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    final SessionRegistry sessions = new SessionRegistry(bus, List.of(new Recorder()), props, registryClock);
    final Queue<Runnable> blockingTasks = new ArrayDeque<>();
    Executor blocking = Runnable::run;

    // ---- CONNECT ------------------------------------------------------------------------------------

    @Test
    void aProtocolVersionTheDecoderRejectsGetsConnAckUnacceptableVersionAndCloses() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.CONNECT, false, MqttQoS.AT_MOST_ONCE,
                false, 0), null, null, DecoderResult.failure(new MqttUnacceptableProtocolVersionException())));

        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void mqtt31IsRefusedWithUnacceptableVersionAndClosed() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(MqttVersion.MQTT_3_1, KEY).build());

        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        assertThat(ch.isOpen()).isFalse();
        assertThat(events).isEmpty();
    }

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource({
            "INVALID_KEY, MQTT_3_1_1, CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD",
            "INVALID_KEY, MQTT_5, CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD",
            "DEVICE_SUSPENDED, MQTT_3_1_1, CONNECTION_REFUSED_NOT_AUTHORIZED",
            "DEVICE_SUSPENDED, MQTT_5, CONNECTION_REFUSED_NOT_AUTHORIZED_5",
            "REVOKED, MQTT_5, CONNECTION_REFUSED_NOT_AUTHORIZED_5"})
    void aRefusedCredentialGetsTheConnAckCodeOfTheClientsVersion(Refusal.Reason reason, MqttVersion version,
            MqttConnectReturnCode expected) throws Exception {
        credentials.keys.put("dvc_refused", new Refusal(reason, "refused"));
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(version, "dvc_refused").build());

        assertThat(connAck(ch)).isEqualTo(expected);
        assertThat(ch.isOpen()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"MQTT_3_1_1, CONNECTION_REFUSED_IDENTIFIER_REJECTED",
            "MQTT_5, CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID"})
    void aClientIdOtherThanTheDeviceIdIsRejected(MqttVersion version, MqttConnectReturnCode expected) throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(version, KEY).clientId(UUID.randomUUID().toString()).build());

        assertThat(connAck(ch)).isEqualTo(expected);
        assertThat(ch.isOpen()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"MQTT_3_1_1, CONNECTION_REFUSED_SERVER_UNAVAILABLE",
            "MQTT_5, CONNECTION_REFUSED_SERVER_UNAVAILABLE_5"})
    void anUnreachableStoreGetsServerUnavailable(MqttVersion version, MqttConnectReturnCode expected) throws Exception {
        credentials.storeDown = true;
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(version, KEY).build());

        assertThat(connAck(ch)).isEqualTo(expected);
        assertThat(ch.isOpen()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"MQTT_3_1_1, CONNECTION_REFUSED_NOT_AUTHORIZED", "MQTT_5, CONNECTION_REFUSED_TOPIC_NAME_INVALID"})
    void aWillOutsideTheNamespaceIsRefused(MqttVersion version, MqttConnectReturnCode expected) throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(version, KEY).willFlag(true).willTopic("fk/" + UUID.randomUUID() + "/status")
                .willMessage("gone".getBytes(StandardCharsets.UTF_8)).willQoS(MqttQoS.AT_LEAST_ONCE).build());

        assertThat(connAck(ch)).isEqualTo(expected);
        assertThat(ch.isOpen()).isFalse();
        assertThat(sessions.connectedHere(TENANT, DEVICE)).isFalse();
    }

    @Test
    void anyPacketBeforeConnectClosesWithoutAnswer() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE,
                false, 0)));

        assertThat(mqttOutbound(ch)).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void noConnectWithinTheConnectTimeoutCloses() throws Exception {
        EmbeddedChannel ch = channel();
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();

        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    // ---- the hand-over --------------------------------------------------------------------------------

    @Test
    void anAcceptedConnectReplacesTheConnectHandlerWithASessionHandlerAfterTheConnAck() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(MqttVersion.MQTT_5, KEY).keepAlive(30).build());

        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(ch.pipeline().get(MqttEndpoint.HANDLER)).isInstanceOf(MqttSessionHandler.class);
        assertThat(ch.pipeline().get(MqttConnectHandler.class)).isNull();
        assertThat(ch.pipeline().get(IdleStateHandler.class)).as("keep-alive is the session handler's").isNull();
        var session = (MqttSessionHandler) ch.pipeline().get(MqttEndpoint.HANDLER);
        assertThat(session.deviceId()).isEqualTo(DEVICE);
        assertThat(session.fingerprint()).as("a device key has no certificate fingerprint").isNull();
        assertThat(sessions.connectedHere(TENANT, DEVICE)).isTrue();
        assertThat(events).containsExactly("connected MQTT 5 device_key");
    }

    @Test
    void anUncachedCredentialIsDecidedOffTheEventLoopWhileReadingIsPaused() throws Exception {
        blocking = blockingTasks::add;
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(MqttVersion.MQTT_3_1_1, KEY).build());

        assertThat(mqttOutbound(ch)).isEmpty();
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(ch.pipeline().get(MqttEndpoint.HANDLER)).isInstanceOf(MqttConnectHandler.class);

        blockingTasks.remove().run();
        ch.runPendingTasks();
        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(ch.pipeline().get(MqttEndpoint.HANDLER)).isInstanceOf(MqttSessionHandler.class);
    }

    @Test
    void aKickBetweenTheDecisionAndTheSessionsAttachClosesTheNewConnection() throws Exception {
        // The connect handler reads its clock when the CONNECT starts and again when it accepts, after its check
        // of the kick marks and before the session registry holds the connection: the kick lands in that window,
        // where it finds no connection to close.
        int[] reads = {0};
        Clock clock = new Clock() {
            @Override
            public long millis() {
                if (++reads[0] == 2) {
                    bus.publish(new ClusterMessage.Kick("node-1", TENANT, DEVICE, true, null, "device suspended"));
                }
                return registryClock.millis();
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }
        };
        EmbeddedChannel ch = channel(clock);
        ch.writeInbound(connect(MqttVersion.MQTT_5, KEY).build());
        ch.runPendingTasks();

        assertThat(reads[0]).as("the kick came between the check and the attach").isGreaterThanOrEqualTo(2);
        List<MqttMessage> out = mqttOutbound(ch);
        assertThat(out).extracting(m -> m.fixedHeader().messageType())
                .containsExactly(MqttMessageType.CONNACK, MqttMessageType.DISCONNECT);
        assertThat(((MqttReasonCodeAndPropertiesVariableHeader) out.get(1).variableHeader()).reasonCode())
                .isEqualTo((byte) 0x87);
        assertThat(ch.isOpen()).isFalse();
        assertThat(events).containsExactly("connected MQTT 5 device_key", "disconnected revoked while connecting");
    }

    // ---- the session ----------------------------------------------------------------------------------

    @Test
    void aQos1PublishOutsideTheNamespaceGetsPubAck0x87OnMqtt5AndTheConnectionStays() throws Exception {
        EmbeddedChannel ch = connected(MqttVersion.MQTT_5);
        ch.writeInbound(publish("fk/" + UUID.randomUUID() + "/telemetry", 7));

        assertThat(pubAckReasons(mqttOutbound(ch))).containsExactly(0x87);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void aPublishOutsideTheNamespaceIsDroppedAndClosesOnMqtt311() throws Exception {
        EmbeddedChannel ch = connected(MqttVersion.MQTT_3_1_1);
        ch.writeInbound(publish("fk/" + UUID.randomUUID() + "/telemetry", 7));

        assertThat(mqttOutbound(ch)).isEmpty();
        assertThat(ch.isOpen()).isFalse();
        assertThat(events).contains("disconnected publish outside the device's namespace");
    }

    @ParameterizedTest
    @CsvSource({"ACCEPTED, 0", "REFUSED, 0x99", "UNAVAILABLE, 0x97", "FAILED, 0x80"})
    void mqtt5GetsAPubAckForEveryReceiptSoItsWindowNeverStalls(String receipt, String reason) throws Exception {
        sessions.acknowledge("telemetry", m -> receipt(receipt));
        EmbeddedChannel ch = connected(MqttVersion.MQTT_5);
        ch.writeInbound(publish(MqttAccess.namespace(DEVICE) + "telemetry", 3));
        ch.runPendingTasks();

        assertThat(pubAckReasons(mqttOutbound(ch))).containsExactly(Integer.decode(reason));
        assertThat(ch.isOpen()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"ACCEPTED, 1", "REFUSED, 1", "UNAVAILABLE, 0", "FAILED, 0"})
    void mqtt311GetsNoPubAckForWhatWasNotMadeDurableSoItSendsAgain(String receipt, int pubAcks) throws Exception {
        sessions.acknowledge("telemetry", m -> receipt(receipt));
        EmbeddedChannel ch = connected(MqttVersion.MQTT_3_1_1);
        ch.writeInbound(publish(MqttAccess.namespace(DEVICE) + "telemetry", 3));
        ch.runPendingTasks();

        assertThat(pubAckReasons(mqttOutbound(ch))).isEqualTo(java.util.Collections.nCopies(pubAcks, 0));
        assertThat(ch.isOpen()).isTrue();
    }

    private static java.util.concurrent.CompletionStage<DeviceMessaging.Receipt> receipt(String name) {
        return name.equals("FAILED") ? java.util.concurrent.CompletableFuture.failedFuture(
                new IllegalStateException("the stream is unreachable"))
                : java.util.concurrent.CompletableFuture.completedFuture(DeviceMessaging.Receipt.valueOf(name));
    }

    @Test
    void publishingFasterThanTheRateClosesWithDisconnect0x96AndTheBucketRefillsWithTime() throws Exception {
        EmbeddedChannel ch = connected(MqttVersion.MQTT_5);
        String topic = MqttAccess.namespace(DEVICE) + "telemetry";
        for (int i = 1; i <= PUBLISHES_PER_SECOND; i++) {
            ch.writeInbound(publish(topic, i));
        }
        ch.advanceTimeBy(1000 / PUBLISHES_PER_SECOND, TimeUnit.MILLISECONDS);
        ch.writeInbound(publish(topic, 100));
        assertThat(pubAckReasons(mqttOutbound(ch))).hasSize(PUBLISHES_PER_SECOND + 1).containsOnly(0);

        ch.writeInbound(publish(topic, 101));
        List<MqttMessage> out = mqttOutbound(ch);
        assertThat(pubAckReasons(out)).isEmpty();
        assertThat(out).singleElement().satisfies(m -> assertThat(disconnectReason(m)).isEqualTo(0x96));
        assertThat(ch.isOpen()).isFalse();
        assertThat(events).contains("disconnected publish rate exceeded");
    }

    @Test
    void silenceBeyondOneAndAHalfKeepAlivesClosesTheSession() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(MqttVersion.MQTT_3_1_1, KEY).keepAlive(10).build());
        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);

        elapse(ch, 14);
        assertThat(ch.isOpen()).isTrue();

        elapse(ch, 1);
        assertThat(ch.isOpen()).isFalse();
        assertThat(events).containsExactly("connected MQTT 3.1.1 device_key", "disconnected keep-alive timeout");
        assertThat(sessions.connectedHere(TENANT, DEVICE)).isFalse();
    }

    @Test
    void everyPacketRestartsTheKeepAliveWatch() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(MqttVersion.MQTT_3_1_1, KEY).keepAlive(10).build());
        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);

        ch.advanceTimeBy(14, TimeUnit.SECONDS);
        ch.writeInbound(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE,
                false, 0)));
        assertThat(mqttOutbound(ch)).singleElement()
                .satisfies(m -> assertThat(m.fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP));
        elapse(ch, 14);
        assertThat(ch.isOpen()).as("14 s after the PINGREQ, 28 s after the CONNECT").isTrue();

        elapse(ch, 1);
        assertThat(ch.isOpen()).isFalse();
        assertThat(events).containsExactly("connected MQTT 3.1.1 device_key", "disconnected keep-alive timeout");
    }

    @Test
    void aKeepAliveOfZeroNeverTimesOutAndAClosedSessionLeavesNoTimerBehind() throws Exception {
        EmbeddedChannel none = channel();
        none.writeInbound(connect(MqttVersion.MQTT_3_1_1, KEY).keepAlive(0).build());
        assertThat(connAck(none)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        none.advanceTimeBy(1, TimeUnit.DAYS);
        none.runScheduledPendingTasks();
        assertThat(none.isOpen()).isTrue();
        none.close();
        events.clear();

        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(MqttVersion.MQTT_3_1_1, KEY).keepAlive(60).build());
        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(ch.runScheduledPendingTasks()).as("the keep-alive watch is scheduled").isPositive();
        // the connection ends as the transport reports it (EmbeddedChannel's own close would cancel every task)
        ch.pipeline().fireChannelInactive();
        assertThat(ch.runScheduledPendingTasks()).as("nothing left scheduled that holds the session").isEqualTo(-1);
        assertThat(events).containsExactly("connected MQTT 3.1.1 device_key", "disconnected connection lost");
    }

    @Test
    void aSecondConnectIsAProtocolError() throws Exception {
        EmbeddedChannel ch = connected(MqttVersion.MQTT_5);
        ch.writeInbound(connect(MqttVersion.MQTT_5, KEY).build());

        assertThat(mqttOutbound(ch)).singleElement().satisfies(m -> assertThat(disconnectReason(m)).isEqualTo(0x82));
        assertThat(ch.isOpen()).isFalse();
    }

    // ---- fixture --------------------------------------------------------------------------------------

    EmbeddedChannel channel() throws Exception {
        return channel(Clock.systemUTC());
    }

    EmbeddedChannel channel(Clock clock) throws Exception {
        credentials.keys.putIfAbsent(KEY, new AuthenticatedDevice(TENANT, DEVICE,
                AuthenticatedDevice.Method.DEVICE_KEY, null, null));
        var context = new MqttEndpointContext(props, access(), sessions, clock, r -> blocking.execute(r));
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast(MqttEndpoint.HANDLER, new MqttConnectHandler(context));
        ch.register();
        ch.freezeTime();
        return ch;
    }

    EmbeddedChannel connected(MqttVersion version) throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(connect(version, KEY).build());
        assertThat(connAck(ch)).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return ch;
    }

    /** The real access rules; its constructor is the credentials wiring's, package-private to Spring. */
    MqttAccess access() throws Exception {
        var constructor = MqttAccess.class.getDeclaredConstructor(DeviceCredentials.class,
                ConnectivityProperties.class);
        constructor.setAccessible(true);
        return constructor.newInstance(credentials, props);
    }

    static MqttMessageBuilders.ConnectBuilder connect(MqttVersion version, String key) {
        return MqttMessageBuilders.connect().protocolVersion(version).clientId(DEVICE.toString())
                .username(DEVICE.toString()).password(key.getBytes(StandardCharsets.UTF_8)).cleanSession(true);
    }

    static MqttMessage publish(String topic, int packetId) {
        return MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE).messageId(packetId)
                .retained(false).payload(Unpooled.wrappedBuffer(new byte[] {1})).build();
    }

    static List<MqttMessage> mqttOutbound(EmbeddedChannel ch) {
        List<MqttMessage> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof MqttMessage m) {
                out.add(m);
            }
        }
        return out;
    }

    static MqttConnectReturnCode connAck(EmbeddedChannel ch) {
        List<MqttMessage> out = mqttOutbound(ch);
        assertThat(out).hasSize(1).first().isInstanceOf(MqttConnAckMessage.class);
        return ((MqttConnAckMessage) out.getFirst()).variableHeader().connectReturnCode();
    }

    static List<Integer> pubAckReasons(List<MqttMessage> out) {
        return out.stream().filter(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK)
                .map(m -> ((MqttPubReplyMessageVariableHeader) m.variableHeader()).reasonCode() & 0xFF).toList();
    }

    static int disconnectReason(MqttMessage m) {
        assertThat(m.fixedHeader().messageType()).isEqualTo(MqttMessageType.DISCONNECT);
        return ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xFF;
    }

    /** Device keys in memory; {@code storeDown} makes the (uncached) lookup fail as an unreachable store would. */
    static final class Credentials implements DeviceCredentials {
        final Map<String, Authentication> keys = new HashMap<>();
        /** Certificates by fingerprint: always a cache hit. */
        final Map<String, AuthenticatedDevice> certificates = new HashMap<>();
        boolean storeDown;

        @Override
        public AuthenticatedDevice cachedCertificate(String fingerprint) {
            return certificates.get(fingerprint);
        }

        @Override
        public Authentication certificate(X509Certificate[] chain, String fingerprint) {
            return new Refusal(Refusal.Reason.NO_CREDENTIAL, "no certificate");
        }

        @Override
        public Authentication certificateForRenewal(X509Certificate[] chain) {
            return certificate(chain);
        }

        @Override
        public AuthenticatedDevice cachedKey(String deviceKey) {
            return null;
        }

        @Override
        public Authentication key(String deviceKey) {
            if (storeDown) {
                throw new IllegalStateException("the store is down");
            }
            return keys.getOrDefault(deviceKey, new Refusal(Refusal.Reason.INVALID_KEY, "not a current key"));
        }

        @Override
        public X509ExtendedTrustManager handshakeTrustManager() {
            throw new UnsupportedOperationException();
        }
    }

    /** One node: every message goes straight back to this node's registry. */
    static final class Bus implements ClusterBus {
        private final List<Consumer<ClusterMessage>> handlers = new CopyOnWriteArrayList<>();

        @Override
        public String nodeId() {
            return "node-1";
        }

        @Override
        public void publish(ClusterMessage message) {
            handlers.forEach(h -> h.accept(message));
        }

        @Override
        public void subscribe(Consumer<ClusterMessage> handler) {
            handlers.add(handler);
        }
    }

    final class Recorder implements ConnectionListener {
        @Override
        public void connected(ConnectionInfo c) {
            events.add("connected " + c.protocol() + " " + c.authentication());
        }

        @Override
        public void disconnected(ConnectionInfo c, String reason, Instant at) {
            events.add("disconnected " + reason);
        }
    }

    /** Moves the channel's clock on by {@code seconds} and runs what fell due, and what that queued. */
    private static void elapse(EmbeddedChannel ch, long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }
}
