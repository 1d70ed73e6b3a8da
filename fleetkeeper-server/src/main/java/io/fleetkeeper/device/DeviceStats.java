package io.fleetkeeper.device;

import java.util.Map;

/** Device counts of one tenant, kept up to date on every change rather than counted on read. */
public record DeviceStats(long total, Map<String, Long> byStatus, Map<String, Long> byType,
        Map<String, Long> bySite, Map<String, Long> byIdentityStatus) {
}
