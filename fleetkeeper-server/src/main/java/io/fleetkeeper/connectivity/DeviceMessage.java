package io.fleetkeeper.connectivity;

import java.util.UUID;

/**
 * A message a device published inside its namespace.
 *
 * @param suffix the topic below the namespace: {@code shadow/update} for {@code fk/<id>/shadow/update}
 * @param qos    0 or 1
 */
public record DeviceMessage(UUID tenantId, UUID deviceId, String suffix, byte[] payload, int qos) {
}
