package io.fleetkeeper.telemetry.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Telemetry meters (Micrometer, exposed on {@code /actuator/prometheus}): messages accepted and rejected by
 * channel and reason, payload bytes, write batch sizes and latency, duplicates dropped, NATS redeliveries and the JetStream consumer's lag.
 */
@Component
public class TelemetryMetrics {

    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final Timer writeLatency;
    private final Counter duplicates;
    private final Counter redeliveries;
    private final AtomicLong lag = new AtomicLong();

    TelemetryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("fleetkeeper.telemetry.write.batch.size")
                .description("messages per write transaction").register(registry);
        this.writeLatency = Timer.builder("fleetkeeper.telemetry.write.latency")
                .description("time of one write transaction").register(registry);
        this.duplicates = Counter.builder("fleetkeeper.telemetry.duplicates")
                .description("messages dropped as already stored (same device and msg_id)").register(registry);
        this.redeliveries = Counter.builder("fleetkeeper.telemetry.redeliveries")
                .description("stream messages delivered more than once").register(registry);
        Gauge.builder("fleetkeeper.telemetry.consumer.lag", lag, AtomicLong::get)
                .description("messages of the JetStream telemetry stream not yet written (pending plus unacknowledged),"
                        + " read every 2 s by each node's consumer; 0 on the embedded writer").register(registry);
    }

    /** The JetStream consumer's lag as last read. */
    public void consumerLag(long messages) {
        lag.set(messages);
    }

    public void accepted(String channel, int messages, long bytes) {
        registry.counter("fleetkeeper.telemetry.messages", "channel", channel, "outcome", "accepted", "reason", "none")
                .increment(messages);
        registry.counter("fleetkeeper.telemetry.bytes", "channel", channel).increment(bytes);
    }

    /** {@code reason}: invalid, unavailable. */
    public void rejected(String channel, String reason, int messages) {
        registry.counter("fleetkeeper.telemetry.messages", "channel", channel, "outcome", "rejected", "reason",
                reason).increment(messages);
    }

    /** Readings stored although outside their sensor's range. */
    public void outOfRange(String channel, int readings) {
        registry.counter("fleetkeeper.telemetry.out_of_range", "channel", channel).increment(readings);
    }

    public void written(int messages, int fresh, Duration took) {
        batchSize.record(messages);
        writeLatency.record(took);
        duplicates.increment(messages - fresh);
    }

    public void redelivered() {
        redeliveries.increment();
    }
}
