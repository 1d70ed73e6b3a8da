package io.fleetkeeper.device;

import com.fasterxml.jackson.annotation.JsonRawValue;
import jakarta.annotation.Nullable;
import java.time.Instant;

/** One entry of a device's history: what happened, who did it, when; details are JSON. */
public record DeviceEvent(long id, String type, @Nullable String actor, @Nullable @JsonRawValue String details,
        Instant at) {

    public static final String CREATED = "CREATED";
    public static final String UPDATED = "UPDATED";
    public static final String STATUS_CHANGED = "STATUS-CHANGED";
    public static final String DECOMMISSIONED = "DECOMMISSIONED";
}
