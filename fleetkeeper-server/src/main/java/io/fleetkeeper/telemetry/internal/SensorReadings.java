package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.api.ApiException.FieldError;
import io.fleetkeeper.device.DeviceSensors;
import io.fleetkeeper.device.DeviceSensors.Definition;
import io.fleetkeeper.telemetry.internal.TelemetryMessage.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Applies a device's sensor definitions to its readings: a metric of the default stream named like an enabled sensor
 * must have the sensor's data type (else the message is refused), a number is calibrated
 * ({@code r * calibration_scale + calibration_offset}) before it is stored, and a calibrated number outside the
 * sensor's {@code [min, max]} is stored and reported as out of range. Other metrics, other streams and disabled
 * sensors pass untouched; so does everything when no sensor definitions are available.
 */
public final class SensorReadings {

    /** A stored reading outside its sensor's range. */
    public record OutOfRange(String sensor, double value, Double min, Double max, String unit) {
    }

    /** The messages to store (calibrated), the problems that refuse them, the readings out of range. */
    public record Checked(List<TelemetryMessage> messages, List<FieldError> problems, List<OutOfRange> outOfRange) {
    }

    private final Supplier<DeviceSensors> sensors;

    /** {@code sensors} supplies the definitions when they are available (else null: none apply). */
    public SensorReadings(Supplier<DeviceSensors> sensors) {
        this.sensors = sensors;
    }

    public Checked check(UUID tenantId, UUID deviceId, List<TelemetryMessage> messages) {
        DeviceSensors s = sensors.get();
        Map<String, Definition> defs = s == null ? Map.of() : s.definitions(tenantId, deviceId);
        if (defs.isEmpty()) {
            return new Checked(messages, List.of(), List.of());
        }
        List<TelemetryMessage> out = new ArrayList<>(messages.size());
        List<FieldError> problems = new ArrayList<>();
        List<OutOfRange> outOfRange = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            TelemetryMessage m = messages.get(i);
            if (!m.stream().isEmpty()) {
                out.add(m);
                continue;
            }
            String at = messages.size() > 1 ? "/" + i + "/" : "/";
            List<Metric> metrics = new ArrayList<>(m.metrics().size());
            for (Metric metric : m.metrics()) {
                Definition d = defs.get(metric.name());
                if (d == null || !d.enabled()) {
                    metrics.add(metric);
                    continue;
                }
                String problem = typeProblem(d, metric);
                if (problem != null) {
                    problems.add(new FieldError(at + metric.name(), problem));
                    continue;
                }
                if (!d.numeric()) {
                    metrics.add(metric);
                    continue;
                }
                double v = d.calibrate(metric.num());
                if (d.outOfRange(v)) {
                    outOfRange.add(new OutOfRange(d.key(), v, d.min(), d.max(), d.unit()));
                }
                metrics.add(new Metric(metric.name(), "n", v, null));
            }
            out.add(new TelemetryMessage(m.tenantId(), m.deviceId(), m.msgId(), m.ts(), m.stream(),
                    List.copyOf(metrics), m.receivedAt()));
        }
        return problems.isEmpty() ? new Checked(out, List.of(), outOfRange) : new Checked(List.of(), problems,
                List.of());
    }

    /** Why the value does not suit the sensor's data type, or null. */
    private static String typeProblem(Definition d, Metric metric) {
        boolean fits = switch (d.dataType()) {
            case "number" -> metric.kind().equals("n");
            case "integer" -> metric.kind().equals("n") && metric.num() == Math.rint(metric.num());
            case "boolean" -> metric.kind().equals("b");
            default -> metric.kind().equals("s");
        };
        return fits ? null : "sensor " + d.key() + " reads " + (d.dataType().equals("integer") ? "whole numbers"
                : d.dataType() + "s");
    }
}
