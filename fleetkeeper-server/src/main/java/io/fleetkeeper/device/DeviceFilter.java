package io.fleetkeeper.device;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Device list filters (all optional, combined with AND) and the sort. Sorts: {@code id} (creation order,
 * the default), {@code name}, {@code serial}; a leading {@code -} reverses. {@code condition} is a compiled
 * fleet query; {@code connected} selects devices with (true) or without (false) a live connection.
 */
public record DeviceFilter(String type, DeviceStatus status, String site, List<String> tags,
        Map<String, String> metadata, String firmware, String serialPrefix, Instant lastSeenFrom,
        Instant lastSeenTo, String sort, String identityStatus, DeviceCondition condition, Boolean connected) {

    public DeviceFilter(String type, DeviceStatus status, String site, List<String> tags,
            Map<String, String> metadata, String firmware, String serialPrefix, Instant lastSeenFrom,
            Instant lastSeenTo, String sort, String identityStatus, DeviceCondition condition) {
        this(type, status, site, tags, metadata, firmware, serialPrefix, lastSeenFrom, lastSeenTo, sort,
                identityStatus, condition, null);
    }

    public DeviceFilter(String type, DeviceStatus status, String site, List<String> tags,
            Map<String, String> metadata, String firmware, String serialPrefix, Instant lastSeenFrom,
            Instant lastSeenTo, String sort, String identityStatus) {
        this(type, status, site, tags, metadata, firmware, serialPrefix, lastSeenFrom, lastSeenTo, sort,
                identityStatus, null);
    }

    public DeviceFilter(String type, DeviceStatus status, String site, List<String> tags,
            Map<String, String> metadata, String firmware, String serialPrefix, Instant lastSeenFrom,
            Instant lastSeenTo, String sort) {
        this(type, status, site, tags, metadata, firmware, serialPrefix, lastSeenFrom, lastSeenTo, sort, null);
    }

    /** Only {@code condition}, in {@code sort} order. */
    public static DeviceFilter matching(DeviceCondition condition, String sort) {
        return new DeviceFilter(null, null, null, null, null, null, null, null, null, sort, null, condition);
    }
}
