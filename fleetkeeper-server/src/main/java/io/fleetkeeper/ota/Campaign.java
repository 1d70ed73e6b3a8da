package io.fleetkeeper.ota;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** An OTA campaign: one firmware for a set of devices; {@code counts} is the number of devices per status. */
public record Campaign(UUID id, UUID firmwareId, String state, Map<String, Long> counts, String createdBy,
        Instant createdAt, Instant updatedAt, long version) {

    public static final String RUNNING = "RUNNING";
    public static final String PAUSED = "PAUSED";
    public static final String CANCELED = "CANCELED";
}
