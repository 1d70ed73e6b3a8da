package io.fleetkeeper.audit;

import com.fasterxml.jackson.annotation.JsonRawValue;
import jakarta.annotation.Nullable;
import java.time.Instant;

/** One recorded mutation: who did what to which object, when, and in which request. */
public record AuditEntry(long id, @Nullable String actor, String action, @Nullable String targetType,
        @Nullable String targetId, @Nullable String requestId, @Nullable @JsonRawValue String details, Instant at) {
}
