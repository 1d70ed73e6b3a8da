package io.fleetkeeper.console.internal;

import io.fleetkeeper.console.ConsoleProperties;
import io.fleetkeeper.device.DeviceHealth;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStats;
import io.fleetkeeper.tenancy.Tenant;
import io.fleetkeeper.tenancy.TenantService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * The dashboard's fleet history: every {@code fleetkeeper.console.sample-interval} each active tenant's device
 * counts (total, connected, and by health) are recorded from the maintained device statistics (constant time in
 * the fleet's size), and kept for {@link #WINDOW}. Every node samples; the store keeps one row per tenant and
 * interval.
 */
@Service
public class FleetSamples {

    /** How far back the dashboard looks, and how long samples are kept. */
    public static final Duration WINDOW = Duration.ofHours(24);

    private static final Logger log = LoggerFactory.getLogger(FleetSamples.class);

    /** One sample: the counts at the start of an interval ({@code at}, epoch ms). */
    public record Sample(long at, long total, long connected, long online, long stale, long offline) {

        public Instant time() {
            return Instant.ofEpochMilli(at);
        }
    }

    private final SampleRepository rows;
    private final DeviceService devices;
    private final TenantService tenants;
    private final Clock clock;
    private final long interval;
    private volatile long lastBucket = -1;

    FleetSamples(SampleRepository rows, DeviceService devices, TenantService tenants, Clock clock,
            ConsoleProperties properties) {
        this.rows = rows;
        this.devices = devices;
        this.tenants = tenants;
        this.clock = clock;
        this.interval = properties.sampleInterval().toMillis();
    }

    /** The counts of {@code stats} as a sample at {@code at}. */
    public static Sample of(DeviceStats stats, long at) {
        return new Sample(at, stats.total(), stats.connected(),
                stats.byHealth().getOrDefault(DeviceHealth.ONLINE, 0L),
                stats.byHealth().getOrDefault(DeviceHealth.STALE, 0L),
                stats.byHealth().getOrDefault(DeviceHealth.OFFLINE, 0L));
    }

    /** Records the tenant's counts for the interval holding {@code at}. */
    public void sample(UUID tenantId, Instant at) {
        long bucket = at.toEpochMilli() - Math.floorMod(at.toEpochMilli(), interval);
        rows.insert(tenantId, of(devices.stats(tenantId), bucket));
    }

    /** The tenant's samples of the last {@link #WINDOW}, oldest first. */
    public List<Sample> history(UUID tenantId) {
        return rows.since(tenantId, clock.millis() - WINDOW.toMillis());
    }

    /** Once an interval (checked every 30 s): samples every active tenant and drops what left the window. */
    @Scheduled(initialDelay = 30, fixedDelay = 30, timeUnit = TimeUnit.SECONDS)
    void tick() {
        Instant now = clock.instant();
        long bucket = now.toEpochMilli() / interval;
        if (bucket == lastBucket) {
            return;
        }
        try {
            String cursor = null;
            do {
                var page = tenants.list(cursor, 200);
                for (Tenant t : page.items()) {
                    if (t.status() == Tenant.TenantStatus.ACTIVE) {
                        sample(t.id(), now);
                    }
                }
                cursor = page.nextCursor();
            } while (cursor != null);
            rows.deleteBefore(now.toEpochMilli() - WINDOW.toMillis() - interval);
            lastBucket = bucket;
        } catch (RuntimeException e) {
            log.warn("fleet samples failed: {}", e.toString());
        }
    }
}
