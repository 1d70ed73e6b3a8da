package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.time.ZoneId;
import java.util.UUID;

/**
 * Where alert notifications go: a Slack or Microsoft Teams incoming webhook, a PagerDuty service (Events API v2
 * routing key), a generic webhook, or e-mail addresses (over the platform's SMTP server). The secret (the
 * webhook URL, the routing key, or the addresses) is stored sealed and never returned. During {@code quietHours}
 * (local times in {@code timeZone}) notifications of alerts that are not {@code critical} wait until they end.
 */
public record NotificationChannel(UUID id, String name, String kind, @Nullable String timeZone,
        @Nullable OncallSchedule.QuietHours quietHours, Instant createdAt, long version) {

    public static final String SLACK = "slack";
    public static final String TEAMS = "teams";
    public static final String PAGERDUTY = "pagerduty";
    public static final String WEBHOOK = "webhook";
    public static final String EMAIL = "email";

    /** When the channel's quiet hours around {@code at} end, or null when it has none or they do not hold. */
    public @Nullable Instant quietUntil(Instant at) {
        return quietHours == null ? null : quietHours.until(at, ZoneId.of(timeZone == null ? "UTC" : timeZone));
    }

    /**
     * What a client sends: {@code url} for slack, teams and webhook, {@code routingKey} for pagerduty, {@code to}
     * (1 to 10 addresses) for email; {@code quietHours} in {@code timeZone} (UTC when not given) for any kind. A
     * PATCH changes {@code name}, {@code timeZone} and {@code quietHours} only.
     */
    public record Fields(@Nullable String name, @Nullable String kind, @Nullable String url,
            @Nullable String routingKey, @Nullable java.util.List<String> to, @Nullable String timeZone,
            @Nullable OncallSchedule.QuietHours quietHours) {

        public Fields(String name, String kind, String url, String routingKey) {
            this(name, kind, url, routingKey, null, null, null);
        }
    }
}
