package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.telemetry.internal.SeriesRepository.Source;
import io.fleetkeeper.telemetry.internal.TelemetryRepository.Row;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Downsampled series of one device. A width of whole hours (1h, 1d) reads the hourly rollup for the whole hours
 * of the range from {@code rolledUpFrom} on, and raw rows for the rest (the range's unaligned ends, and hours
 * before {@code rolledUpFrom}, where retention may have deleted part of an hour); other widths read raw rows only.
 * The parts of a bucket read from both merge as the aggregates over all its rows would: counts and sums add, the
 * smaller minimum and larger maximum, first and last by {@code (ts, msg_id)}. Buckets come in (start, stream, metric)
 * order, names in code point order.
 */
@Component
public class Downsampling {

    private static final long HOUR = RollupRepository.HOUR;

    /** One query: a device, optionally one metric and one stream, {@code [from, to)} in buckets of {@code width}. */
    public record Request(UUID tenantId, UUID deviceId, String metric, String stream, long from, long to, long width,
            boolean first, boolean last) {
    }

    /** A bucket's aggregates; {@code first} and {@code last} are null unless asked for. */
    public record Bucket(long start, String stream, String metric, long count, long numCount, Double sum, Double min,
            Double max, Row first, Row last) {

        /** The mean of the numbers, as {@code AVG} computes it; null when the bucket holds none. */
        public Double avg() {
            return numCount == 0 ? null : sum / numCount;
        }

        Bucket merge(Bucket o) {
            return new Bucket(start, stream, metric, count + o.count, numCount + o.numCount, add(sum, o.sum),
                    pick(min, o.min, -1), pick(max, o.max, 1), end(first, o.first, -1), end(last, o.last, 1));
        }

        private static Double add(Double a, Double b) {
            return a == null ? b : b == null ? a : a + b;
        }

        /** The smaller ({@code sign} -1) or larger of two, ignoring null. */
        private static Double pick(Double a, Double b, int sign) {
            return a == null ? b : b == null ? a : Double.compare(a, b) * sign >= 0 ? a : b;
        }

        /** The earlier ({@code sign} -1) or later of two rows by {@code (ts, msg_id)}, ignoring null. */
        private static Row end(Row a, Row b, int sign) {
            if (a == null || b == null) {
                return a == null ? b : a;
            }
            int c = a.ts() != b.ts() ? Long.compare(a.ts(), b.ts()) : a.msgId().compareTo(b.msgId());
            return c * sign >= 0 ? a : b;
        }
    }

    private record Key(long start, String stream, String metric) {
        static final Comparator<Key> ORDER = Comparator.comparingLong(Key::start).thenComparing(Key::stream)
                .thenComparing(Key::metric);
    }

    private final SeriesRepository series;

    Downsampling(SeriesRepository series) {
        this.series = series;
    }

    /** The buckets holding data; {@code Long.MAX_VALUE} for {@code rolledUpFrom} reads raw rows only. */
    public List<Bucket> buckets(Request r, long rolledUpFrom) {
        Map<Key, Bucket> buckets = new TreeMap<>(Key.ORDER);
        long hoursFrom = Math.max(ceilHour(r.from()), rolledUpFrom >= r.to() ? r.to() : ceilHour(rolledUpFrom));
        long hoursTo = Math.floorDiv(r.to(), HOUR) * HOUR;
        if (r.width() % HOUR == 0 && hoursFrom < hoursTo) {
            read(buckets, r, Source.RAW, r.from(), hoursFrom);
            read(buckets, r, Source.ROLLUP, hoursFrom, hoursTo);
            read(buckets, r, Source.RAW, hoursTo, r.to());
        } else {
            read(buckets, r, Source.RAW, r.from(), r.to());
        }
        return List.copyOf(buckets.values());
    }

    /** Adds the buckets of {@code [from, to)} read from {@code source}. */
    private void read(Map<Key, Bucket> buckets, Request r, Source source, long from, long to) {
        if (from >= to) {
            return;
        }
        Map<Key, Row> firsts = ends(r, source, from, to, r.first(), false);
        Map<Key, Row> lasts = ends(r, source, from, to, r.last(), true);
        for (var a : series.aggregates(source, r.tenantId(), r.deviceId(), r.metric(), r.stream(), from, to,
                r.width())) {
            Key k = new Key(a.bucket(), a.stream(), a.metric());
            buckets.merge(k, new Bucket(a.bucket(), a.stream(), a.metric(), a.count(), a.numCount(), a.sum(), a.min(),
                    a.max(), firsts.get(k), lasts.get(k)), Bucket::merge);
        }
    }

    private Map<Key, Row> ends(Request r, Source source, long from, long to, boolean wanted, boolean last) {
        Map<Key, Row> ends = new java.util.HashMap<>();
        if (wanted) {
            for (var e : series.ends(source, r.tenantId(), r.deviceId(), r.metric(), r.stream(), from, to, r.width(),
                    last)) {
                ends.put(new Key(e.bucket(), e.stream(), e.metric()), e.row());
            }
        }
        return ends;
    }

    private static long ceilHour(long t) {
        return -Math.floorDiv(-t, HOUR) * HOUR;
    }
}
