package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * An alert a rule opened: {@code OPEN}, then {@code ACKNOWLEDGED} (by an operator), then {@code RESOLVED} (by an
 * operator, or by the server when the condition cleared). At most one alert per {@code dedupeKey} is not
 * resolved. {@code escalatedAt}: when it was last escalated, if it was; {@code escalationLevel}: how many levels
 * of its rule's escalation it has reached (0: none); {@code nextEscalationAt}: when the next level is due, while it
 * stays OPEN.
 */
public record Alert(UUID id, UUID ruleId, String kind, String dedupeKey, @Nullable UUID deviceId, String severity,
        String status, String summary, Instant openedAt, @Nullable Instant acknowledgedAt,
        @Nullable Instant resolvedAt, @Nullable Instant escalatedAt, int escalationLevel,
        @Nullable Instant nextEscalationAt, long version) {

    public static final String OPEN = "OPEN";
    public static final String ACKNOWLEDGED = "ACKNOWLEDGED";
    public static final String RESOLVED = "RESOLVED";

    /** One transition of an alert: its new status, who made it ({@code system} for the server), when. */
    public record Transition(String status, String actor, Instant at) {
    }

    /**
     * One notification of the alert: to which channel, which action, pending, sent or dead, and the last error.
     * To the person on call of a schedule ({@code scheduleId}): by e-mail, {@code channelId} is the schedule's id
     * and {@code recipient} their address; through one of the person's contact channels, {@code channelId} is that
     * channel.
     */
    public record Notification(UUID channelId, String action, String status, int attempts,
            @Nullable String lastError, @Nullable String recipient, @Nullable UUID scheduleId) {
    }
}
