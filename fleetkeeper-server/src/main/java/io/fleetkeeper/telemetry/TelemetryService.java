package io.fleetkeeper.telemetry;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.DeviceStatusChanged;
import io.fleetkeeper.telemetry.internal.HttpsRateLimiter;
import io.fleetkeeper.telemetry.internal.MessageParser;
import io.fleetkeeper.telemetry.internal.RejectionEvents;
import io.fleetkeeper.telemetry.internal.SensorReadings;
import io.fleetkeeper.telemetry.internal.TelemetryMetrics;
import io.fleetkeeper.telemetry.internal.TelemetryPipeline;
import io.fleetkeeper.telemetry.internal.TelemetryRepository;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Telemetry ingest: a device's message (or batch) is checked, flattened, checked against and calibrated by the
 * device's sensor definitions ({@link SensorReadings}) and handed to the pipeline (the embedded group-commit writer,
 * or NATS JetStream); the returned stage completes once it is durable. Bad input is refused
 * whole, with every problem listed, and nothing of it is stored. Reads are {@link TelemetryQueries}'.
 */
@Service
public class TelemetryService {

    /** The channels a message arrives on (for metrics and events). */
    public static final String MQTT = "mqtt";
    public static final String HTTPS = "https";

    private final MessageParser parser;
    private final TelemetryPipeline pipeline;
    private final TelemetrySettingsService settings;
    private final RejectionEvents rejections;
    private final TelemetryMetrics metrics;
    private final TelemetryRepository repository;
    private final HttpsRateLimiter rateLimiter;
    private final SensorReadings sensors;

    TelemetryService(MessageParser parser, TelemetryPipeline pipeline, TelemetrySettingsService settings,
            RejectionEvents rejections, TelemetryMetrics metrics, TelemetryRepository repository,
            HttpsRateLimiter rateLimiter) {
        this(parser, pipeline, settings, rejections, metrics, repository, rateLimiter, new SensorReadings(() -> null));
    }

    @Autowired
    TelemetryService(MessageParser parser, TelemetryPipeline pipeline, TelemetrySettingsService settings,
            RejectionEvents rejections, TelemetryMetrics metrics, TelemetryRepository repository,
            HttpsRateLimiter rateLimiter, SensorReadings sensors) {
        this.sensors = sensors;
        this.rateLimiter = rateLimiter;
        this.parser = parser;
        this.pipeline = pipeline;
        this.settings = settings;
        this.rejections = rejections;
        this.metrics = metrics;
        this.repository = repository;
    }

    /**
     * Ingests one message (a JSON object) or, with {@code topicStream} null, a batch (an array). Never blocks.
     *
     * @param topicStream the MQTT topic's stream ({@code ""} for {@code fk/<id>/telemetry}), null over HTTPS
     * @return how many messages were accepted, once they are durable; the stage fails with 503 (Retry-After) when
     *         they cannot be made durable now
     * @throws ApiException 400 {@code VALIDATION_FAILED} listing each problem
     */
    public CompletableFuture<Integer> ingest(UUID tenantId, UUID deviceId, String channel, JsonNode body,
            String topicStream, long bytes) {
        var parsed = parser.parse(tenantId, deviceId, body, topicStream, settings.retentionMillis(tenantId));
        if (!parsed.problems().isEmpty()) {
            refused(tenantId, deviceId, channel, new ApiException(ErrorCode.VALIDATION_FAILED,
                    "the telemetry message was refused; nothing of it was stored", parsed.problems()));
        }
        var checked = sensors.check(tenantId, deviceId, parsed.messages());
        if (!checked.problems().isEmpty()) {
            refused(tenantId, deviceId, channel, new ApiException(ErrorCode.VALIDATION_FAILED,
                    "the telemetry message was refused; nothing of it was stored", checked.problems()));
        }
        if (!checked.outOfRange().isEmpty()) {
            rejections.outOfRange(tenantId, deviceId, channel, checked.outOfRange());
            metrics.outOfRange(channel, checked.outOfRange().size());
        }
        int n = checked.messages().size();
        return pipeline.submit(checked.messages()).handle((ok, failure) -> {
            if (failure != null) {
                metrics.rejected(channel, "unavailable", n);
                throw ApiException.unavailable("telemetry cannot be stored now; send it again later", 5);
            }
            metrics.accepted(channel, n, bytes);
            return n;
        });
    }

    /** 429 {@code RATE_LIMITED} when the device sends HTTPS requests faster than its MQTT publish rate limit. */
    public void checkRate(UUID deviceId, String channel) {
        if (!rateLimiter.tryAcquire(deviceId)) {
            metrics.rejected(channel, "rate_limited", 1);
            throw ApiException.rateLimited("the device sends faster than its rate limit", 1);
        }
    }

    /**
     * Counts a refusal, writes {@code TELEMETRY-REJECTED} when one is due, and throws {@code e}. For refusals
     * found before {@link #ingest} (a payload that is not JSON, or too large).
     */
    public void refused(UUID tenantId, UUID deviceId, String channel, ApiException e) {
        metrics.rejected(channel, "invalid", 1);
        rejections.rejected(tenantId, deviceId, channel, e.errors().isEmpty()
                ? java.util.List.of(new ApiException.FieldError("", e.getMessage())) : e.errors());
        throw e;
    }

    /** A purged device's telemetry goes with it. */
    @EventListener
    void on(DeviceStatusChanged changed) {
        if (changed.status() == null) {
            repository.deleteDevice(changed.tenantId(), changed.deviceId());
        }
    }
}
