package io.fleetkeeper.shadow;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Device shadow settings.
 *
 * @param maxStateBytes    largest {@code desired} + {@code reported}, serialized as UTF-8 JSON (default 32 KB)
 * @param maxDepth         deepest nesting inside a section; the section's own keys are level 1 (default 8)
 * @param maxKeyLength     longest key, in characters (default 128)
 * @param maxNamedShadows  named shadows per device besides the classic one (default 10)
 * @param historySize      past versions kept per shadow, readable by version (default 10)
 * @param reportBatchSize  most device reported updates (MQTT) written in one transaction (default 128; 1: each
 *                         alone, as before group commit)
 * @param reportBatchWait  how long the writer waits for more reports once one is queued (default 0: it writes
 *                         what queued while the previous batch was written, never waiting at low rates)
 * @param reportQueueSize  device reported updates (MQTT) that may wait for the writer on a node (default 10,000);
 *                         beyond it an update is refused with {@code 429 RATE_LIMITED} on {@code update/rejected}
 *                         and nothing is written, so a device's updates are never written out of order
 */
@ConfigurationProperties("fleetkeeper.shadow")
public record ShadowProperties(
        @DefaultValue("32768") int maxStateBytes,
        @DefaultValue("8") int maxDepth,
        @DefaultValue("128") int maxKeyLength,
        @DefaultValue("10") int maxNamedShadows,
        @DefaultValue("10") int historySize,
        @DefaultValue("128") int reportBatchSize,
        @DefaultValue("0ms") Duration reportBatchWait,
        @DefaultValue("10000") int reportQueueSize) {
}
