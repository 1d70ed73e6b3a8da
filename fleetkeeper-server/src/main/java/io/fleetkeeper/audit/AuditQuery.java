package io.fleetkeeper.audit;

import java.time.Instant;

/** Filters for the audit log; every field is optional. */
public record AuditQuery(String actor, String action, String targetType, String targetId, Instant from,
        Instant to) {
}
