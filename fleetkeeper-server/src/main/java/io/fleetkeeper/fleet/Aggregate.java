package io.fleetkeeper.fleet;

import java.util.List;

/**
 * Device counts per value of {@code groupBy}, largest first (ties by value; devices without a value count
 * under {@code null}). {@code truncated} says more values exist than {@code items} holds.
 */
public record Aggregate(String groupBy, List<Bucket> items, boolean truncated) {

    /** One value and how many devices have it (for {@code tag}: carry it). */
    public record Bucket(String value, long count) {
    }
}
