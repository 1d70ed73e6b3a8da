package io.fleetkeeper.event;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Alerts and notifications ({@code fleetkeeper.alerts.*}). Retries of notifications follow
 * {@code fleetkeeper.events.retry-*}; channel URLs the SSRF rules of {@code fleetkeeper.events.*}.
 *
 * @param enabled          whether this node evaluates alert rules and sends notifications; one node at a time
 *                         does, under a lease (default true; the HTTP test suite drives them itself)
 * @param evaluateInterval how often offline rules are evaluated, alerts checked for auto-resolution and
 *                         unacknowledged alerts escalated (default 30 s)
 * @param pagerdutyUrl     the PagerDuty Events API v2 endpoint (default https://events.pagerduty.com/v2/enqueue)
 * @param timeout          the timeout of one notification request (default 10 s)
 */
@ConfigurationProperties("fleetkeeper.alerts")
public record AlertProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("30s") Duration evaluateInterval,
        @DefaultValue("https://events.pagerduty.com/v2/enqueue") String pagerdutyUrl,
        @DefaultValue("10s") Duration timeout) {
}
