package io.fleetkeeper.device;

import java.time.Instant;
import java.util.UUID;

/** A place devices are installed at. Devices refer to it by id. */
public record Site(UUID id, String name, String description, String address, Instant createdAt,
        Instant updatedAt, long version) {
}
