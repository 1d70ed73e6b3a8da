package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.device.DeviceHealth;
import io.fleetkeeper.device.DeviceHealth.Change;
import io.fleetkeeper.device.DeviceHealth.Due;
import io.fleetkeeper.device.DeviceHealthService;
import io.fleetkeeper.device.DeviceSensors;
import io.fleetkeeper.store.Leases;
import io.fleetkeeper.telemetry.TelemetryProperties;
import io.fleetkeeper.telemetry.TelemetrySettings;
import io.fleetkeeper.telemetry.TelemetrySettingsService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device health from when a device was last heard (telemetry, any MQTT packet including keep-alive pings, any
 * HTTPS device call) and whether it holds a live connection: ONLINE while heard within its expected interval (the
 * shortest of its enabled sensors' when it has any, else its type's or the tenant's; or connected), STALE past it, OFFLINE past {@code offline-after-intervals} of it. Every device carries the time its
 * health may next change, so a run reads only the devices due (an index), never the fleet; hearing a device that
 * is not ONLINE makes it due at once. Runs every {@code health-check-interval} on the node holding the
 * {@code telemetry-health} lease; transitions write {@code HEALTH-CHANGED} in the transaction that applies them.
 */
public final class HealthEvaluator implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HealthEvaluator.class);
    private static final int BATCH = 1000;
    private static final int MAX_BATCHES_PER_RUN = 100;

    private final DeviceHealthService devices;
    private final TelemetrySettingsService settings;
    private final Leases leases;
    private final TelemetryProperties props;
    private final JsonMapper json;
    private final Clock clock;
    private final Supplier<DeviceSensors> sensors;
    private volatile ScheduledExecutorService scheduler;

    public HealthEvaluator(DeviceHealthService devices, TelemetrySettingsService settings, Leases leases,
            TelemetryProperties props, JsonMapper json, Clock clock) {
        this(devices, settings, leases, props, json, clock, () -> null);
    }

    /** With {@code sensors} supplying the devices' sensor intervals when they are available. */
    public HealthEvaluator(DeviceHealthService devices, TelemetrySettingsService settings, Leases leases,
            TelemetryProperties props, JsonMapper json, Clock clock, Supplier<DeviceSensors> sensors) {
        this.sensors = sensors;
        this.devices = devices;
        this.settings = settings;
        this.leases = leases;
        this.props = props;
        this.json = json;
        this.clock = clock;
    }

    /**
     * One run when this node holds (or takes) the lease: evaluates every device due now. Returns how many devices
     * changed health, or -1 without the lease.
     */
    public synchronized int runNow() {
        if (!leases.tryAcquire("telemetry-health", props.healthCheckInterval().multipliedBy(4))) {
            return -1;
        }
        long now = clock.millis();
        int changed = 0;
        for (int i = 0; i < MAX_BATCHES_PER_RUN; i++) {
            List<Due> due = devices.due(now, BATCH);
            Map<UUID, List<Due>> byTenant = new LinkedHashMap<>();
            due.forEach(d -> byTenant.computeIfAbsent(d.tenantId(), t -> new ArrayList<>()).add(d));
            int applied = 0;
            for (var e : byTenant.entrySet()) {
                List<Change> changes = evaluate(e.getKey(), e.getValue(), now);
                applied += changes.size();
                changed += devices.apply(e.getKey(), changes);
            }
            if (due.size() < BATCH || applied == 0) {
                break;
            }
        }
        return changed;
    }

    private List<Change> evaluate(UUID tenantId, List<Due> due, long now) {
        TelemetrySettings s = settings.cached(tenantId);
        List<UUID> ids = due.stream().map(Due::deviceId).toList();
        Set<UUID> connected = devices.connectedAmong(tenantId, ids);
        DeviceSensors defs = sensors.get();
        Map<UUID, Long> sensorSeconds = defs == null ? Map.of() : defs.expectedIntervals(tenantId, ids);
        List<Change> out = new ArrayList<>(due.size());
        for (Due d : due) {
            Long seconds = sensorSeconds.get(d.deviceId());
            long interval = seconds != null ? seconds * 1000 : s.expectedIntervalMillis(d.deviceType());
            boolean live = connected.contains(d.deviceId());
            long heard = live ? Math.max(now, d.lastSeenAt()) : d.lastSeenAt();
            long offlineAt = heard + interval * props.offlineAfterIntervals();
            String to;
            Long next;
            if (now < heard + interval) {
                to = DeviceHealth.ONLINE;
                next = heard + interval;
            } else if (now < offlineAt) {
                to = DeviceHealth.STALE;
                next = offlineAt;
            } else {
                to = DeviceHealth.OFFLINE;
                next = null;
            }
            String details = to.equals(d.health()) ? null : json.writeValueAsString(Map.of("from", d.health(),
                    "to", to, "last_seen_at", java.time.Instant.ofEpochMilli(d.lastSeenAt()).toString(),
                    "expected_interval_seconds", interval / 1000, "connected", live));
            out.add(new Change(d.deviceId(), d.health(), to, d.lastSeenAt(), next, details));
        }
        return out;
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("telemetry-health").factory());
        long every = props.healthCheckInterval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                runNow();
            } catch (RuntimeException e) {
                log.warn("device health evaluation failed: {}", e.toString());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }
}
