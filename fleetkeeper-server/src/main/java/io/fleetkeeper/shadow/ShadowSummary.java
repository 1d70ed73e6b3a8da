package io.fleetkeeper.shadow;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** One of a device's shadows in a listing: its name (absent for the classic shadow) and version. */
public record ShadowSummary(@JsonInclude(JsonInclude.Include.NON_NULL) String name, long version,
        Instant updatedAt) {
}
