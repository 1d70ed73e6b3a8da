package io.fleetkeeper.telemetry;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One bucket of a downsampled series: the aggregates asked for, the others null (and left out of the JSON;
 * {@code first} and {@code last} are not marked nullable only so the OpenAPI document types them as any value).
 * {@code first} and {@code last} are the values at the earliest and latest time in the bucket; the numeric
 * aggregates ignore strings (booleans count as 0 and 1).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TelemetryBucket(Instant start, @Nullable String stream, String metric, @Nullable Long count,
        @Nullable Double avg, @Nullable Double min, @Nullable Double max, @Nullable Double sum,
        Object first, Object last) {
}
