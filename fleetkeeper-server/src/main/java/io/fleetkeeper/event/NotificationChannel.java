package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * Where alert notifications go: a Slack or Microsoft Teams incoming webhook, a PagerDuty service (Events API v2
 * routing key) or a generic webhook. The secret (the webhook URL or the routing key) is stored sealed and never
 * returned.
 */
public record NotificationChannel(UUID id, String name, String kind, Instant createdAt, long version) {

    public static final String SLACK = "slack";
    public static final String TEAMS = "teams";
    public static final String PAGERDUTY = "pagerduty";
    public static final String WEBHOOK = "webhook";

    /** What a client sends: {@code url} for slack, teams and webhook, {@code routingKey} for pagerduty. */
    public record Fields(@Nullable String name, @Nullable String kind, @Nullable String url,
            @Nullable String routingKey) {
    }
}
