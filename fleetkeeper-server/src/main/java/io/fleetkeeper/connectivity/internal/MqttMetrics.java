package io.fleetkeeper.connectivity.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * MQTT endpoint meters of this node (Micrometer, exposed on {@code /actuator/prometheus}): sessions open,
 * TLS handshakes, CONNECTs accepted and refused by reason, PUBLISH packets in and out, and the heap and direct
 * memory held by Netty's buffer allocator, which the endpoint's connections allocate from
 * ({@code netty_allocator_memory_used_bytes}).
 */
final class MqttMetrics {

    private final MeterRegistry registry;
    private final Counter handshakesOk;
    private final Counter handshakesFailed;
    private final Counter accepted;
    private final Counter received;
    private final Counter sent;

    MqttMetrics(MeterRegistry registry, Supplier<Number> sessions) {
        this.registry = registry;
        Gauge.builder("fleetkeeper.mqtt.sessions", sessions).description("MQTT sessions connected to this node")
                .register(registry);
        this.handshakesOk = handshakes("ok");
        this.handshakesFailed = handshakes("failed");
        this.accepted = Counter.builder("fleetkeeper.mqtt.connects").tag("outcome", "accepted").tag("reason", "none")
                .description("MQTT CONNECTs by outcome and refusal reason").register(registry);
        this.received = Counter.builder("fleetkeeper.mqtt.messages").tag("direction", "in")
                .description("PUBLISH packets from and to devices").register(registry);
        this.sent = Counter.builder("fleetkeeper.mqtt.messages").tag("direction", "out").register(registry);
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
            new NettyAllocatorMetrics(allocator).bindTo(registry);
        }
    }

    /** Meters nobody reads (handler tests). */
    static MqttMetrics none() {
        return new MqttMetrics(new SimpleMeterRegistry(), () -> 0);
    }

    private Counter handshakes(String outcome) {
        return Counter.builder("fleetkeeper.mqtt.tls.handshakes").tag("outcome", outcome)
                .description("TLS handshakes on the MQTT endpoint").register(registry);
    }

    void handshake(boolean ok) {
        (ok ? handshakesOk : handshakesFailed).increment();
    }

    void accepted() {
        accepted.increment();
    }

    /** A refused CONNECT, by its CONNACK code ({@code bad_username_or_password}, {@code not_authorized}...). */
    void refused(MqttConnectReturnCode code) {
        String reason = code.name().replaceFirst("^CONNECTION_REFUSED_", "").replaceFirst("_5$", "")
                .replace("USER_NAME", "USERNAME").toLowerCase(Locale.ROOT); // MQTT 3.1.1 and 5 spell it apart
        registry.counter("fleetkeeper.mqtt.connects", "outcome", "refused", "reason", reason).increment();
    }

    void received() {
        received.increment();
    }

    void sent() {
        sent.increment();
    }
}
