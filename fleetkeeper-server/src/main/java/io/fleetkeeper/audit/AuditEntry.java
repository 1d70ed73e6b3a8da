package io.fleetkeeper.audit;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/** One recorded mutation: who did what to which object, when, and in which request. */
public record AuditEntry(long id, String actor, String action, String targetType, String targetId,
        String requestId, @JsonRawValue String details, Instant at) {
}
