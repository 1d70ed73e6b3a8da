package io.fleetkeeper.template;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/** A module fitted in one of a device's slots (a modem, a sensor board, ...). */
public record DeviceModule(UUID deviceId, String slot, String kind, @Nullable String serial,
        @Nullable String firmwareVersion, Instant assignedAt, Instant updatedAt, long version) {
}
