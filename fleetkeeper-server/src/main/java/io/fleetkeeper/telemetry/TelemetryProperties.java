package io.fleetkeeper.telemetry;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Telemetry ingest, storage and retention.
 *
 * @param maxMessageBytes      largest MQTT telemetry payload, in bytes (default 16384); an HTTPS request is capped
 *                             by {@code fleetkeeper.api.max-body-bytes}
 * @param maxBatch             most messages in one HTTPS request (default 500)
 * @param maxMetrics           most metrics in one message, after flattening (default 100)
 * @param maxStringLength      longest string value, in characters (default 256)
 * @param maxFuture            how far ahead of the server's clock a message's {@code ts} may be (default 5m)
 * @param defaultRetention     how long telemetry is kept for a tenant without its own setting (default 30d)
 * @param maxRetention         the longest retention a tenant may set (default 365d)
 * @param dedupWindow          how long accepted message ids are remembered to drop a message sent again
 *                             (default 1d)
 * @param writerBatchSize      most messages written in one transaction by the group-commit writer (default 1000)
 * @param writerQueueCapacity  messages waiting for the writer; beyond it ingest answers 503 (HTTPS) or sends no
 *                             PUBACK (MQTT) (default 20000)
 * @param maintenanceInterval  how often retention and (PostgreSQL) partition upkeep run, under a lease
 *                             (default 15m)
 * @param partitionsAhead      daily partitions created ahead of today on PostgreSQL (default 3)
 * @param maxBuckets           most buckets one downsampled query returns (default 10000)
 * @param rejectionEventEvery  at most one {@code TELEMETRY-REJECTED} (and one {@code TELEMETRY-OUT-OF-RANGE})
 *                             device event per device within this (default 1m)
 * @param expectedInterval     how often a device is expected to be heard, for tenants without their own setting
 *                             (default 5m); a device not heard for longer is STALE
 * @param offlineAfterIntervals a device not heard for this many expected intervals is OFFLINE (default 3)
 * @param healthCheckInterval  how often the health evaluator looks at the devices due, on the node holding the
 *                             {@code telemetry-health} lease (default 15s)
 */
@ConfigurationProperties("fleetkeeper.telemetry")
public record TelemetryProperties(
        @DefaultValue("16384") int maxMessageBytes,
        @DefaultValue("500") int maxBatch,
        @DefaultValue("100") int maxMetrics,
        @DefaultValue("256") int maxStringLength,
        @DefaultValue("5m") Duration maxFuture,
        @DefaultValue("30d") Duration defaultRetention,
        @DefaultValue("365d") Duration maxRetention,
        @DefaultValue("1d") Duration dedupWindow,
        @DefaultValue("1000") int writerBatchSize,
        @DefaultValue("20000") int writerQueueCapacity,
        @DefaultValue("15m") Duration maintenanceInterval,
        @DefaultValue("3") int partitionsAhead,
        @DefaultValue("10000") int maxBuckets,
        @DefaultValue("1m") Duration rejectionEventEvery,
        @DefaultValue("5m") Duration expectedInterval,
        @DefaultValue("3") int offlineAfterIntervals,
        @DefaultValue("15s") Duration healthCheckInterval) {
}
