package io.fleetkeeper.console.web;

import io.fleetkeeper.console.internal.FleetSamples.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The dashboard's charts, drawn on the server as SVG (no script, no chart library): bars of device counts and lines
 * of the fleet history. Every figure is also text on the page (the bars' numbers, the history as a table), so the
 * charts add nothing a screen reader misses.
 */
final class Charts {

    /** The history chart's drawing box (SVG user units); the SVG scales it to the page's width. */
    static final int WIDTH = 600;
    static final int HEIGHT = 160;

    /** One bar: its label, count and length relative to the longest bar (a CSS percentage). */
    record Bar(String label, long value, String length) {
    }

    record BarChart(String id, String title, List<Bar> bars) {
    }

    /** One line of the history: its name, colour, SVG points and latest value. */
    record Line(String id, String name, String colour, String points, long latest) {
    }

    record LineChart(long max, Instant from, Instant to, List<Line> lines, List<Sample> samples) {
    }

    private Charts() {
    }

    /** Bars of counts by value, largest first; a null value (devices without one) as {@code none}. */
    static BarChart bars(String id, String title, Map<String, Long> counts) {
        long max = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        List<Bar> bars = new ArrayList<>();
        counts.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(e -> String.valueOf(e.getKey())))
                .forEach(e -> bars.add(new Bar(e.getKey() == null ? "none" : e.getKey(), e.getValue(),
                        percent(e.getValue(), max))));
        return new BarChart(id, title, bars);
    }

    /** The fleet history from {@code from} to {@code now}: the samples, then the counts now as the last point. */
    static LineChart history(List<Sample> samples, Sample now, Instant from) {
        List<Sample> all = new ArrayList<>(samples);
        all.add(now);
        long max = Math.max(1, all.stream().mapToLong(Sample::total).max().orElse(1));
        long start = from.toEpochMilli();
        long span = Math.max(1, now.at() - start);
        List<Line> lines = List.of(
                line("total", "Devices", "#1b1f24", all, Sample::total, start, span, max),
                line("connected", "Connected", "#0b5cad", all, Sample::connected, start, span, max),
                line("online", "Online", "#136f2d", all, Sample::online, start, span, max),
                line("stale", "Stale", "#b35900", all, Sample::stale, start, span, max),
                line("offline", "Offline", "#a4161a", all, Sample::offline, start, span, max));
        return new LineChart(max, from, Instant.ofEpochMilli(now.at()), lines, all);
    }

    private static Line line(String id, String name, String colour, List<Sample> all, ToLongFunction<Sample> value,
            long start, long span, long max) {
        StringBuilder points = new StringBuilder();
        for (Sample s : all) {
            double x = (double) (s.at() - start) / span * WIDTH;
            double y = HEIGHT - (double) value.applyAsLong(s) / max * HEIGHT;
            points.append(points.isEmpty() ? "" : " ")
                    .append(String.format(Locale.ROOT, "%.1f,%.1f", Math.max(0, x), y));
        }
        return new Line(id, name, colour, points.toString(), value.applyAsLong(all.getLast()));
    }

    private static String percent(long value, long max) {
        return max == 0 ? "0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * value / max);
    }
}
