package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A named escalation chain that alert rules share ({@code escalation_policy_id} on a rule) instead of each
 * carrying its own: the same levels as a rule's inline {@code escalation}, each notifying channels and/or the
 * person on call of a schedule when the alert is still not acknowledged. A change applies to the next level due
 * of every rule that references the policy.
 */
public record EscalationPolicy(UUID id, String name, AlertRule.Escalation escalation, Instant createdAt,
        Instant updatedAt, long version) {

    /** What a client sends (a PATCH is merged onto the current fields). */
    public record Fields(@Nullable String name, @Nullable AlertRule.Escalation escalation) {
    }
}
