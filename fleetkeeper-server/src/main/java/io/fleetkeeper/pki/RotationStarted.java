package io.fleetkeeper.pki;

import jakarta.annotation.Nullable;
import java.util.UUID;

/**
 * Published after commit when the registry started rotating a device's slot: the delivery channels (MQTT) send the
 * successor to the device at once when they can. {@code certificateId} is the successor waiting for the device's
 * confirmation, or null for a rotation with a server-generated key (issued when delivered).
 */
public record RotationStarted(UUID tenantId, UUID deviceId, String slot, @Nullable UUID certificateId) {
}
