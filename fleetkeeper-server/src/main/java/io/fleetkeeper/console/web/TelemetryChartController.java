package io.fleetkeeper.console.web;

import io.fleetkeeper.telemetry.TelemetryBucket;
import io.fleetkeeper.telemetry.TelemetryQueries;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /app/devices/{id}/chart.json}: what the device page's chart draws, from the telemetry feature's
 * downsampling query (the one behind {@code GET /api/v1/devices/{id}/telemetry?bucket=1m&agg=avg}): the last hour
 * in one-minute averages, one series per numeric metric (named {@code stream/metric} outside the default stream),
 * aligned on the union of the bucket times (epoch seconds) with nulls where a metric has no value.
 */
@RestController
class TelemetryChartController {

    /** The chart's data: bucket times in epoch seconds, and per series one value (or null) per time. */
    record Chart(List<Long> t, Map<String, List<Double>> series) {
    }

    private static final Duration WINDOW = Duration.ofHours(1);

    private final TelemetryQueries telemetry;
    private final Clock clock;

    TelemetryChartController(TelemetryQueries telemetry, Clock clock) {
        this.telemetry = telemetry;
        this.clock = clock;
    }

    @GetMapping(path = "/app/devices/{id}/chart.json", produces = MediaType.APPLICATION_JSON_VALUE)
    Chart chart(Caller caller, @PathVariable UUID id) {
        Instant to = clock.instant();
        List<TelemetryBucket> buckets = telemetry.downsample(caller.tenantId(), id,
                new TelemetryQueries.Range(null, null, to.minus(WINDOW), to), "1m", List.of("avg"));
        TreeSet<Long> times = new TreeSet<>();
        Map<String, Map<Long, Double>> byName = new LinkedHashMap<>();
        for (TelemetryBucket b : buckets) {
            if (b.avg() == null) {
                continue;
            }
            long t = b.start().getEpochSecond();
            times.add(t);
            String name = b.stream() == null ? b.metric() : b.stream() + "/" + b.metric();
            byName.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(t, b.avg());
        }
        List<Long> t = new ArrayList<>(times);
        Map<String, List<Double>> series = new LinkedHashMap<>();
        byName.forEach((name, values) -> {
            List<Double> column = new ArrayList<>(t.size());
            t.forEach(x -> column.add(values.get(x)));
            series.put(name, column);
        });
        return new Chart(t, series);
    }
}
