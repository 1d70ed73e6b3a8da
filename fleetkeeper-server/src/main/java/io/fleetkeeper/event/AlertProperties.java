package io.fleetkeeper.event;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Alerts and notifications ({@code fleetkeeper.alerts.*}). Retries of notifications follow
 * {@code fleetkeeper.events.retry-*}; channel URLs the SSRF rules of {@code fleetkeeper.events.*}.
 *
 * @param enabled          whether this node evaluates alert rules and sends notifications; one node at a time
 *                         does, under a lease (default true; the HTTP test suite drives them itself)
 * @param evaluateInterval how often offline and telemetry rules are evaluated, alerts checked for auto-resolution and
 *                         unacknowledged alerts escalated (default 30 s)
 * @param pagerdutyUrl     the PagerDuty Events API v2 endpoint (default https://events.pagerduty.com/v2/enqueue)
 * @param timeout          the timeout of one notification request (default 10 s)
 * @param smtpHost         the SMTP server e-mail channels send through (default empty: e-mail notifications fail
 *                         and are retried until one is configured)
 * @param smtpPort         its port (default 587)
 * @param smtpUsername     the user to authenticate as (default empty: no authentication)
 * @param smtpPassword     that user's password (default empty)
 * @param smtpFrom         the sender address of notification e-mails (default fleetkeeper@localhost)
 * @param smtpStarttls     whether to require STARTTLS before sending (default true)
 */
@ConfigurationProperties("fleetkeeper.alerts")
public record AlertProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("30s") Duration evaluateInterval,
        @DefaultValue("https://events.pagerduty.com/v2/enqueue") String pagerdutyUrl,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("") String smtpHost,
        @DefaultValue("587") int smtpPort,
        @DefaultValue("") String smtpUsername,
        @DefaultValue("") String smtpPassword,
        @DefaultValue("fleetkeeper@localhost") String smtpFrom,
        @DefaultValue("true") boolean smtpStarttls) {

    @ConstructorBinding
    public AlertProperties {
    }

    /** Without an SMTP server. */
    public AlertProperties(boolean enabled, Duration evaluateInterval, String pagerdutyUrl, Duration timeout) {
        this(enabled, evaluateInterval, pagerdutyUrl, timeout, "", 587, "", "", "fleetkeeper@localhost", true);
    }
}
