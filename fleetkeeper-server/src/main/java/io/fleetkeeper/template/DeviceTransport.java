package io.fleetkeeper.template;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** How one device talks ({@code kind}: mqtt, https, cellular, lorawan, other) and its non-secret settings. */
public record DeviceTransport(UUID deviceId, String kind, JsonNode settings, boolean enabled, Instant updatedAt,
        long version) {
}
