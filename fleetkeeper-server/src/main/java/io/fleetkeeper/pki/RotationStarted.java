package io.fleetkeeper.pki;

import java.util.UUID;

/**
 * Published after commit when the registry issued a successor for a device's slot, waiting for the device's
 * confirmation: the delivery channels (MQTT) send it to the device at once when they can.
 */
public record RotationStarted(UUID tenantId, UUID deviceId, String slot, UUID certificateId) {
}
