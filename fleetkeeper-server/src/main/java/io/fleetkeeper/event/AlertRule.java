package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What opens an alert. {@code device_offline}: a device the {@code scope} fleet query selects was last seen more
 * than {@code offlineMinutes} ago (auto-resolved when it is seen again); {@code certificate}: a certificate of
 * such a device is expiring soon, expired or revoked; {@code job_failed}: a job was aborted. Each alert goes to
 * {@code channels}; its dedupe key is {@code dedupeKey:subject} (the device or the job), one open alert per key.
 * With an {@code escalation}, an alert still OPEN (not acknowledged) {@code afterMinutes} after it opened is sent to
 * the escalation's channels too (level 2), and so are its later transitions.
 */
public record AlertRule(UUID id, String name, String kind, @Nullable Integer offlineMinutes, @Nullable String scope,
        String severity, List<UUID> channels, @Nullable Escalation escalation, String dedupeKey, boolean enabled,
        Instant createdAt, Instant updatedAt, long version) {

    public static final String DEVICE_OFFLINE = "device_offline";
    public static final String CERTIFICATE = "certificate";
    public static final String JOB_FAILED = "job_failed";

    /** Level 2: who hears of an alert not acknowledged within {@code afterMinutes}. */
    public record Escalation(@Nullable Integer afterMinutes, @Nullable List<UUID> channels) {
    }

    /** What a client sends (a PATCH is merged onto the current fields). */
    public record Fields(@Nullable String name, @Nullable String kind, @Nullable Integer offlineMinutes,
            @Nullable String scope, @Nullable String severity, @Nullable List<UUID> channels,
            @Nullable Escalation escalation, @Nullable String dedupeKey, @Nullable Boolean enabled) {
    }
}
