package io.fleetkeeper.telemetry.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.api.ApiException.FieldError;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.telemetry.TelemetryProperties;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends {@code TELEMETRY-REJECTED} (and {@code TELEMETRY-OUT-OF-RANGE}) to a device's events at most once per
 * {@code rejection-event-every} per device and type (per node): the first in the window is written, on a virtual
 * thread, with its details and how many the previous window held besides it.
 */
public final class RejectionEvents {

    public static final String TYPE = "TELEMETRY-REJECTED";
    public static final String OUT_OF_RANGE = "TELEMETRY-OUT-OF-RANGE";
    private static final Logger log = LoggerFactory.getLogger(RejectionEvents.class);

    private final DeviceService devices;
    private final JsonMapper json;
    private final Clock clock;
    private final long everyMillis;
    private final Cache<UUID, long[]> last;
    private final Cache<UUID, long[]> lastOutOfRange;

    public RejectionEvents(DeviceService devices, JsonMapper json, TelemetryProperties props, Clock clock) {
        this.devices = devices;
        this.json = json;
        this.clock = clock;
        this.everyMillis = props.rejectionEventEvery().toMillis();
        this.last = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(props.rejectionEventEvery().multipliedBy(2))
                .build();
        this.lastOutOfRange = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterAccess(props.rejectionEventEvery().multipliedBy(2)).build();
    }

    /** Never blocks: the event, when due, is written on a virtual thread. */
    public void rejected(UUID tenantId, UUID deviceId, String channel, List<FieldError> problems) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("channel", channel);
        details.put("problems", problems.stream().limit(10).map(p -> Map.of("field", p.field(), "message",
                p.message())).toList());
        write(last, TYPE, tenantId, deviceId, details);
    }

    /** Stored readings outside their sensor's range; never blocks. */
    public void outOfRange(UUID tenantId, UUID deviceId, String channel, List<SensorReadings.OutOfRange> readings) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("channel", channel);
        details.put("readings", readings.stream().limit(10).map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sensor", r.sensor());
            m.put("value", r.value());
            m.put("min", r.min());
            m.put("max", r.max());
            m.put("unit", r.unit());
            return m;
        }).toList());
        write(lastOutOfRange, OUT_OF_RANGE, tenantId, deviceId, details);
    }

    private void write(Cache<UUID, long[]> windows, String type, UUID tenantId, UUID deviceId,
            Map<String, Object> details) {
        long now = clock.millis();
        long[] state = windows.get(deviceId, k -> new long[] {Long.MIN_VALUE, 0});
        long suppressed;
        synchronized (state) {
            if (state[0] != Long.MIN_VALUE && now - state[0] < everyMillis) {
                state[1]++;
                return;
            }
            suppressed = state[1];
            state[0] = now;
            state[1] = 0;
        }
        details.put("suppressed_before", suppressed);
        String text = json.writeValueAsString(details);
        Thread.ofVirtual().name("telemetry-event-" + deviceId).start(() -> {
            try {
                devices.recordEvent(tenantId, deviceId, type, "device:" + deviceId, text);
            } catch (RuntimeException e) {
                log.warn("could not record {} for device {}: {}", type, deviceId, e.toString());
            }
        });
    }
}
