package io.fleetkeeper.deviceapi;

import java.time.Instant;
import java.util.UUID;

/**
 * An authenticated device called the device API over HTTPS: it is alive now. Published synchronously on the
 * request's thread for every call, so a listener must only note it in memory (connectivity coalesces it into
 * {@code last_seen_at} as it does MQTT traffic).
 */
public record DeviceHeard(UUID tenantId, UUID deviceId, Instant at) {
}
