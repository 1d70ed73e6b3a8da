package io.fleetkeeper.device;

import java.util.Map;

/**
 * Device counts of one tenant, kept up to date on every change rather than counted on read; {@code connected}
 * (devices with a live connection) is counted on read from an index.
 */
public record DeviceStats(long total, Map<String, Long> byStatus, Map<String, Long> byType,
        Map<String, Long> bySite, Map<String, Long> byIdentityStatus, Map<String, Long> byHealth, long connected) {

    public DeviceStats withConnected(long count) {
        return new DeviceStats(total, byStatus, byType, bySite, byIdentityStatus, byHealth, count);
    }
}
