package io.fleetkeeper.connectivity;

import java.util.UUID;
import java.util.function.Consumer;

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

    /** Whether this node holds a live session of the device. */
    boolean connectedHere(UUID tenantId, UUID deviceId);
}
