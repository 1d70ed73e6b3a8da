package io.fleetkeeper.device;

import java.time.Instant;
import java.util.UUID;

/**
 * An event another feature appends to a device's history in a batch ({@link DeviceService#recordEvents}).
 *
 * @param details JSON object, or null
 */
public record NewDeviceEvent(UUID deviceId, String type, String actor, String details, Instant at) {
}
