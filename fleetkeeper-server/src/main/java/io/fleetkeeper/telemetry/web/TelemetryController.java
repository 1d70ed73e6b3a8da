package io.fleetkeeper.telemetry.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.telemetry.DeviceLatest;
import io.fleetkeeper.telemetry.LatestValue;
import io.fleetkeeper.telemetry.TelemetryQueries;
import io.fleetkeeper.telemetry.TelemetryQueries.Range;
import io.fleetkeeper.telemetry.TelemetryBucket;
import io.fleetkeeper.telemetry.TelemetryPoint;
import io.fleetkeeper.tenancy.Caller;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reading telemetry: {@code /api/v1/devices/{id}/telemetry} (raw points, keyset-paged; with {@code bucket} and
 * {@code agg} a downsampled series), {@code …/telemetry/latest}, and {@code /api/v1/telemetry/latest} for a page of
 * devices selected by a fleet query.
 */
@RestController
class TelemetryController {

    /** A downsampled series: every bucket of the range that holds data, in time order. */
    record Series(String bucket, List<TelemetryBucket> items) {
    }

    /** The latest values of one device. */
    record Latest(List<LatestValue> items) {
    }

    private final TelemetryQueries queries;

    TelemetryController(TelemetryQueries queries) {
        this.queries = queries;
    }

    /**
     * Raw points in (ts, msg_id, metric) order, keyset-paged (a {@code Page} of {@link TelemetryPoint}); with
     * {@code bucket} (1m, 5m, 1h, 1d) and {@code agg} (default avg) a downsampled {@link Series}. One handler for
     * both, so the OpenAPI document has one operation whose reply is either shape.
     */
    @GetMapping("/api/v1/devices/{id}/telemetry")
    Object points(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String metric,
            @RequestParam(required = false) String stream, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String bucket,
            @RequestParam(required = false) String agg, @RequestParam(required = false) String cursor,
            @RequestParam(defaultValue = "100") int limit) {
        Range range = new Range(metric, stream, time("from", from), time("to", to));
        if (bucket != null) {
            List<String> aggs = agg == null ? List.of("avg")
                    : Arrays.stream(agg.split(",")).map(String::strip).toList();
            return new Series(bucket, queries.downsample(caller.tenantId(), id, range, bucket, aggs));
        }
        if (agg != null) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "agg needs bucket (1m, 5m, 1h or 1d)");
        }
        if (limit < 1 || limit > 1000) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "limit must be between 1 and 1000");
        }
        Page<TelemetryPoint> page = queries.raw(caller.tenantId(), id, range, cursor, limit);
        return page;
    }

    @GetMapping("/api/v1/devices/{id}/telemetry/latest")
    Latest latest(Caller caller, @PathVariable UUID id) {
        return new Latest(queries.latest(caller.tenantId(), id));
    }

    @GetMapping("/api/v1/telemetry/latest")
    Page<DeviceLatest> fleetLatest(Caller caller, @RequestParam(required = false) String query,
            @RequestParam(required = false) String metric, @RequestParam(required = false) String cursor,
            @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "limit must be between 1 and 1000");
        }
        List<String> metrics = metric == null || metric.isBlank() ? List.of()
                : Arrays.stream(metric.split(",")).map(String::strip).toList();
        return queries.fleetLatest(caller.tenantId(), query, metrics, cursor, limit);
    }

    /** Epoch milliseconds or RFC 3339. */
    static Instant time(String name, String text) {
        if (text == null) {
            return null;
        }
        try {
            return text.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(text))
                    : OffsetDateTime.parse(text).toInstant();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, name + " is epoch milliseconds or RFC 3339");
        }
    }
}
