package io.fleetkeeper.telemetry;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceSensors;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.telemetry.internal.Downsampling;
import io.fleetkeeper.telemetry.internal.MessageParser;
import io.fleetkeeper.telemetry.internal.TelemetryRepository;
import io.fleetkeeper.telemetry.internal.TelemetryRepository.Row;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * Reads of stored telemetry: raw points (keyset pages), downsampled series, latest values of a device and of a
 * page of devices selected by a fleet query. A device that is not the tenant's answers 404.
 */
@Service
public class TelemetryQueries {

    /** Bucket widths of downsampled series. */
    public static final Map<String, Long> BUCKETS = Map.of("1m", 60_000L, "5m", 300_000L, "1h", 3_600_000L,
            "1d", 86_400_000L);
    public static final Set<String> AGGREGATES = Set.of("avg", "min", "max", "sum", "count", "first", "last");
    private static final String SORT = "telemetry";

    /** A time range and filters; nulls are the defaults (all metrics, all streams, the whole retention). */
    public record Range(String metric, String stream, Instant from, Instant to) {
    }

    private final TelemetryRepository points;
    private final Downsampling downsampling;
    private final DeviceService devices;
    private final FleetQueries fleet;
    private final TelemetrySettingsService settings;
    private final TelemetryProperties props;
    private final Clock clock;
    private final ObjectProvider<DeviceSensors> sensors;

    TelemetryQueries(TelemetryRepository points, Downsampling downsampling, DeviceService devices, FleetQueries fleet,
            TelemetrySettingsService settings, TelemetryProperties props, Clock clock,
            ObjectProvider<DeviceSensors> sensors) {
        this.sensors = sensors;
        this.points = points;
        this.downsampling = downsampling;
        this.devices = devices;
        this.fleet = fleet;
        this.settings = settings;
        this.props = props;
        this.clock = clock;
    }

    public Page<TelemetryPoint> raw(UUID tenantId, UUID deviceId, Range range, String cursor, int limit) {
        long[] span = span(tenantId, deviceId, range);
        Cursor c = Cursor.decode(cursor, SORT);
        Object[] after = null;
        if (c != null) {
            int colon = c.key() == null ? -1 : c.key().indexOf(':');
            try {
                after = new Object[] {Long.parseLong(c.key().substring(0, colon)), c.id(), c.key().substring(colon + 1)};
            } catch (RuntimeException e) {
                throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid for this listing and sort");
            }
        }
        List<Row> rows = points.raw(tenantId, deviceId, range.metric(), range.stream(), span[0], span[1], after,
                limit + 1);
        return Page.of(rows, limit, r -> new Cursor(SORT, r.ts() + ":" + r.metric(), r.msgId()))
                .map(r -> new TelemetryPoint(Instant.ofEpochMilli(r.ts()), stream(r.stream()), r.metric(), r.value(),
                        r.msgId()));
    }

    /** Buckets of {@code bucket} width (1m, 5m, 1h, 1d) with the aggregates {@code aggs}, in time order. */
    public List<TelemetryBucket> downsample(UUID tenantId, UUID deviceId, Range range, String bucket,
            List<String> aggs) {
        Long width = BUCKETS.get(bucket);
        if (width == null) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "bucket must be one of 1m, 5m, 1h, 1d");
        }
        if (aggs.isEmpty() || !AGGREGATES.containsAll(aggs)) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER,
                    "agg is a comma-separated list of avg, min, max, sum, count, first, last");
        }
        long[] span = span(tenantId, deviceId, range);
        if ((span[1] - span[0]) / width > props.maxBuckets()) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "the range holds more than " + props.maxBuckets()
                    + " buckets of " + bucket + "; narrow it with from and to, or use a wider bucket");
        }
        var request = new Downsampling.Request(tenantId, deviceId, range.metric(), range.stream(), span[0], span[1],
                width, aggs.contains("first"), aggs.contains("last"));
        return downsampling.buckets(request, rolledUpFrom(tenantId, range.stream())).stream()
                .map(b -> new TelemetryBucket(Instant.ofEpochMilli(b.start()), stream(b.stream()), b.metric(),
                        aggs.contains("count") ? b.count() : null, aggs.contains("avg") ? b.avg() : null,
                        aggs.contains("min") ? b.min() : null, aggs.contains("max") ? b.max() : null,
                        aggs.contains("sum") ? b.sum() : null, value(b.first()), value(b.last())))
                .toList();
    }

    /**
     * From when the hourly rollup may answer: the retention cutoff of the stream asked for (with none, of the
     * tenant's shortest-lived stream). Retention deletes the rollup hour that holds a cutoff whole and the raw rows
     * before the cutoff only, so that hour, and anything before it, is read from raw rows.
     */
    private long rolledUpFrom(UUID tenantId, String stream) {
        TelemetrySettings s = settings.cached(tenantId);
        int days = s.retentionDays();
        for (var e : s.streamRetentionDays().entrySet()) {
            if (stream == null || stream.equals(e.getKey())) {
                days = Math.min(days, e.getValue());
            }
        }
        return clock.millis() - days * 86_400_000L;
    }

    /** The latest value of each metric of the device. */
    public List<LatestValue> latest(UUID tenantId, UUID deviceId) {
        requireDevice(tenantId, deviceId);
        List<Row> rows = points.latest(tenantId, List.of(deviceId), List.of());
        Map<UUID, Map<String, DeviceSensors.Definition>> definitions = definitions(tenantId, rows);
        return rows.stream().map(r -> latest(r, definitions)).toList();
    }

    /**
     * A page of the devices matching {@code query} (all when blank), in id order, each with the latest values of
     * {@code metrics} (all its metrics when empty).
     */
    public Page<DeviceLatest> fleetLatest(UUID tenantId, String query, List<String> metrics, String cursor,
            int limit) {
        for (String m : metrics) {
            if (!m.matches("[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64})?")) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "metric is a comma-separated list of names");
            }
        }
        Page<Device> page = devices.list(tenantId, DeviceFilter.matching(fleet.compile(tenantId, query), null),
                cursor, limit);
        List<UUID> ids = page.items().stream().map(Device::id).toList();
        List<Row> rows;
        if (ids.isEmpty() || query != null && !query.isBlank()) {
            rows = points.latest(tenantId, ids, metrics);
        } else {
            // Unfiltered, the page is every device from its first id to its last: one key range (a device created
            // in that range since the page was read is left out).
            Set<UUID> onPage = new java.util.HashSet<>(ids);
            rows = points.latestBetween(tenantId, ids.getFirst(), ids.getLast(), metrics).stream()
                    .filter(r -> onPage.contains(r.deviceId())).toList();
        }
        Map<UUID, Map<String, DeviceSensors.Definition>> definitions = definitions(tenantId, rows);
        Map<UUID, List<LatestValue>> values = new LinkedHashMap<>();
        for (Row r : rows) {
            values.computeIfAbsent(r.deviceId(), k -> new ArrayList<>()).add(latest(r, definitions));
        }
        return page.map(d -> new DeviceLatest(d.id(), d.name(), values.getOrDefault(d.id(), List.of())));
    }

    /** The sensors of the devices that have values of the default stream in {@code rows} (which give units). */
    private Map<UUID, Map<String, DeviceSensors.Definition>> definitions(UUID tenantId, List<Row> rows) {
        DeviceSensors s = sensors.getIfAvailable();
        Set<UUID> ids = new java.util.LinkedHashSet<>();
        rows.stream().filter(r -> r.stream().isEmpty()).forEach(r -> ids.add(r.deviceId()));
        return s == null || ids.isEmpty() ? Map.of() : s.definitions(tenantId, ids);
    }

    private LatestValue latest(Row r, Map<UUID, Map<String, DeviceSensors.Definition>> definitions) {
        DeviceSensors.Definition d = r.stream().isEmpty()
                ? definitions.getOrDefault(r.deviceId(), Map.of()).get(r.metric()) : null;
        return new LatestValue(stream(r.stream()), r.metric(), r.value(), Instant.ofEpochMilli(r.ts()),
                d == null ? null : d.unit());
    }

    private long[] span(UUID tenantId, UUID deviceId, Range range) {
        requireDevice(tenantId, deviceId);
        if (range.metric() != null && !range.metric().matches("[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64})?")) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "metric is not a metric name");
        }
        if (range.stream() != null && !MessageParser.NAME.matcher(range.stream()).matches()) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "stream is not a stream name");
        }
        long to = range.to() != null ? range.to().toEpochMilli() : clock.millis() + props.maxFuture().toMillis();
        long from = range.from() != null ? range.from().toEpochMilli() : to - settings.retentionMillis(tenantId)
                - props.maxFuture().toMillis();
        if (from >= to) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "from must be before to");
        }
        return new long[] {from, to};
    }

    private void requireDevice(UUID tenantId, UUID deviceId) {
        if (!devices.exists(tenantId, deviceId)) {
            throw ApiException.notFound("device");
        }
    }

    private static String stream(String stored) {
        return stored.isEmpty() ? null : stored;
    }

    private static Object value(Row r) {
        return r == null ? null : r.value();
    }
}
