package io.fleetkeeper.command;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Device command settings.
 *
 * @param defaultTtlSeconds  time to live of a command created without {@code ttl} (default 3600)
 * @param maxTtlSeconds      largest {@code ttl} accepted (default 604800, 7 days)
 * @param maxPayloadBytes    largest {@code payload}, and largest result, as UTF-8 JSON (default 65536)
 * @param maxWaitSeconds     largest {@code ?wait=} of a synchronous call (default 30)
 * @param sweepDelayMs       how often the sweeper moves overdue commands to EXPIRED / TIMED_OUT (default 5000)
 */
@ConfigurationProperties("fleetkeeper.commands")
public record CommandProperties(
        @DefaultValue("3600") long defaultTtlSeconds,
        @DefaultValue("604800") long maxTtlSeconds,
        @DefaultValue("65536") int maxPayloadBytes,
        @DefaultValue("30") int maxWaitSeconds,
        @DefaultValue("5000") long sweepDelayMs) {
}
