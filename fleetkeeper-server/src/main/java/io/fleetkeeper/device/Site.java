package io.fleetkeeper.device;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/** A place devices are installed at. Devices refer to it by id. */
public record Site(UUID id, String name, @Nullable String description, @Nullable String address, Instant createdAt,
        Instant updatedAt, long version) {
}
