package io.fleetkeeper.device;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * A declared device type. Devices may carry any type name; when a type is declared, its devices must
 * carry every key in {@code requiredMetadata}.
 */
public record DeviceType(String name, @Nullable String description, List<String> requiredMetadata, Instant createdAt,
        Instant updatedAt, long version) {
}
