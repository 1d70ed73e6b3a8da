package io.fleetkeeper.connectivity;

import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one internal API through which features (shadow, commands, jobs, telemetry) talk to devices over
 * MQTT. Topics are named by their suffix below the device's namespace {@code fk/<deviceId>/}.
 */
public interface DeviceMessaging {

    /**
     * Sends a message to a device's topic, on whichever node holds its session (through the cluster bus
     * when that is not this node). It reaches the device when the device has a matching subscription;
     * QoS 1 messages are also queued for an offline persistent session held on some node. Otherwise the
     * message is dropped: a feature that needs durability keeps its own state and sends it again when
     * the device subscribes (see {@link ConnectionListener#subscribed}). Never blocks on the network.
     */
    void publish(UUID tenantId, UUID deviceId, String suffix, byte[] payload, int qos);

    /**
     * Registers a consumer of device publications whose suffix matches {@code suffixFilter} (MQTT filter
     * syntax, e.g. {@code shadow/update} or {@code commands/+/result} or {@code telemetry/#}). Consumers
     * run on virtual threads (they may block), in order per device is not guaranteed.
     */
    void consume(String suffixFilter, Consumer<DeviceMessage> consumer);

    /** What becomes of a publication an {@linkplain #acknowledge acknowledging handler} took. */
    enum Receipt {
        /** Durable: a QoS 1 publication gets its PUBACK. */
        ACCEPTED,
        /** Refused for its content: MQTT 5 gets PUBACK 0x99 (payload format invalid), MQTT 3.1.1 a plain PUBACK. */
        REFUSED,
        /**
         * Not durable now (a store or stream unreachable, a full queue): MQTT 5 gets PUBACK 0x97 (quota exceeded),
         * MQTT 3.1.1 no PUBACK, so the client sends it again.
         */
        UNAVAILABLE
    }

    /**
     * Registers the handler that decides the acknowledgement of device publications whose suffix matches
     * {@code suffixFilter}: a QoS 1 PUBACK waits for the returned stage and carries its receipt. The handler runs
     * on the connection's network thread, so it must return at once (hand the work over and complete the stage
     * later); a failed stage is not durable either, and gets PUBACK 0x80 on MQTT 5. At most one acknowledging
     * handler applies to a publication (the first registered that matches); {@link #consume} consumers see it too.
     */
    void acknowledge(String suffixFilter, Function<DeviceMessage, CompletionStage<Receipt>> handler);

    /**
     * Whether a {@link #publish} to {@code suffix} could reach the device, answered from memory: false only when
     * this node holds the device's session and none of its subscriptions matches (the message would be dropped),
     * true whenever this node cannot tell. Lets a feature skip building a message nobody receives.
     */
    default boolean mayReceive(UUID tenantId, UUID deviceId, String suffix) {
        return true;
    }

    /** Whether this node holds a live session of the device. */
    boolean connectedHere(UUID tenantId, UUID deviceId);
}
