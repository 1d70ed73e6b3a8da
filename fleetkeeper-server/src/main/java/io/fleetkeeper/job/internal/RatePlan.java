package io.fleetkeeper.job.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * How many executions a job may start now, from its rollout state. Two limits hold together:
 * <ul>
 * <li>the <em>schedule</em> spreads starts evenly: by {@code elapsed} after the schedule's start at most
 * {@code 1 + rate × elapsed / 60 s} (a pause or a rate change restarts the schedule, so nothing is caught
 * up in a burst);</li>
 * <li>the <em>window</em> caps any 60 s at {@code rate}: starts are counted per second for the last 61 s (one
 * second more than the window, so the cap errs on the low side).</li>
 * </ul>
 * Pure and clock-free: the caller passes {@code now}.
 */
public final class RatePlan {

    private static final long MINUTE = 60_000;

    private RatePlan() {
    }

    /** Starts allowed now; {@code rate} null is unlimited ({@code batch}). */
    public static int allowance(Long rate, long scheduleStart, long scheduleCount, String recentStarts, long now,
            int batch) {
        if (rate == null) {
            return batch;
        }
        long bySchedule = 1 + Math.floorDiv(rate * Math.max(0, now - scheduleStart), MINUTE) - scheduleCount;
        long byWindow = rate - inWindow(recentStarts, now);
        return (int) Math.max(0, Math.min(batch, Math.min(bySchedule, byWindow)));
    }

    /** Starts counted in the window ending at {@code now}. */
    public static long inWindow(String recentStarts, long now) {
        long since = now / 1000 - 60;
        return parse(recentStarts).entrySet().stream().filter(e -> e.getKey() >= since)
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** {@code recentStarts} with {@code count} more starts at {@code now}, older seconds dropped. */
    public static String record(String recentStarts, long now, long count) {
        long second = now / 1000;
        TreeMap<Long, Long> starts = parse(recentStarts);
        starts.headMap(second - 60).clear();
        if (count > 0) {
            starts.merge(second, count, Long::sum);
        }
        StringBuilder sb = new StringBuilder();
        starts.forEach((s, c) -> sb.append(sb.isEmpty() ? "" : ",").append(s).append(':').append(c));
        return sb.toString();
    }

    /** The next rate of an exponential ramp: {@code rate × factor}, at least one more, at most {@code max}. */
    public static long raise(long rate, double factor, Long max) {
        long next = Math.max(rate + 1, (long) Math.ceil(rate * factor));
        return max == null ? next : Math.min(max, next);
    }

    private static TreeMap<Long, Long> parse(String recentStarts) {
        TreeMap<Long, Long> starts = new TreeMap<>();
        if (recentStarts == null || recentStarts.isEmpty()) {
            return starts;
        }
        for (String part : recentStarts.split(",")) {
            int colon = part.indexOf(':');
            starts.put(Long.parseLong(part.substring(0, colon)), Long.parseLong(part.substring(colon + 1)));
        }
        return starts;
    }
}
