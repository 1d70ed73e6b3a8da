package io.fleetkeeper.device;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What other features ask about a device's sensors and modules (the template feature's per-device instances): the
 * fleet query fields {@code sensor.KEY.FIELD} and {@code module.SLOT.FIELD}, the definitions telemetry applies to
 * readings, and the expected intervals that feed device health. The template feature provides it, so neither the device, fleet nor telemetry feature reads
 * its tables or depends on it.
 */
public interface DeviceSensors {

    /** A sensor key: the name of the telemetry metric it reads. */
    Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** A module slot, as templates and {@code /devices/{id}/modules} name it. */
    Pattern SLOT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    /** The module fields a query may test, all text. */
    Set<String> MODULE_FIELDS = Set.of("kind", "serial", "firmware_version");

    /** The definition fields a query may test: text ({@code unit}, {@code data_type}), boolean, numbers. */
    Set<String> FIELDS = Set.of("unit", "data_type", "enabled", "min", "max", "expected_interval");

    /**
     * A sensor as telemetry applies it.
     *
     * @param dataType number, integer, boolean or string
     * @param expectedIntervalSeconds seconds between two readings, or null
     */
    record Definition(String key, String unit, String dataType, Double min, Double max,
            Long expectedIntervalSeconds, boolean enabled, Double calibrationOffset, Double calibrationScale) {

        /** Whether readings are numbers. */
        public boolean numeric() {
            return "number".equals(dataType) || "integer".equals(dataType);
        }

        /** A raw reading as reported: {@code r * scale + offset} (scale 1 and offset 0 when unset). */
        public double calibrate(double r) {
            return r * (calibrationScale == null ? 1.0 : calibrationScale)
                    + (calibrationOffset == null ? 0.0 : calibrationOffset);
        }

        /** Whether a (calibrated) reading lies outside {@code [min, max]}. */
        public boolean outOfRange(double v) {
            return min != null && v < min || max != null && v > max;
        }
    }

    /**
     * A condition that holds when the device whose id is the SQL expression {@code deviceId} has the sensor
     * {@code key} and, when {@code field} is given, its definition's {@code field} passes the test: a
     * {@link String} for {@code unit} and {@code data_type} (code-point order), a {@link Boolean} for
     * {@code enabled}, a {@link java.math.BigDecimal} for the numbers; EXISTS with a field tests that it is set.
     * Never SQL NULL, so {@code NOT (…)} is its exact complement.
     *
     * @param field one of {@link #FIELDS}, or null for "the device has the sensor" (EXISTS only)
     * @throws IllegalArgumentException when the key, field or a value is outside these rules
     */
    DeviceCondition sensor(UUID tenantId, String deviceId, String key, String field,
            DeviceShadows.Comparison comparison, List<Object> values);

    /**
     * A condition that holds when the device whose id is the SQL expression {@code deviceId} has a module in
     * {@code slot} and, when {@code field} is given, the module's {@code field} (text, code-point order) passes the
     * test; EXISTS with a field tests that it is set. Never SQL NULL.
     *
     * @param field one of {@link #MODULE_FIELDS}, or null for "the slot is filled" (EXISTS only)
     * @throws IllegalArgumentException when the slot, field or a value is outside these rules
     */
    DeviceCondition module(UUID tenantId, String deviceId, String slot, String field,
            DeviceShadows.Comparison comparison, List<Object> values);

    /** The device's sensors by key (cached briefly; empty when it has none). */
    Map<String, Definition> definitions(UUID tenantId, UUID deviceId);

    /**
     * The sensors by key of each of {@code deviceIds}, every one present (empty when it has none): from the same
     * cache as {@link #definitions(UUID, UUID)}, what it misses read in one query.
     */
    Map<UUID, Map<String, Definition>> definitions(UUID tenantId, Collection<UUID> deviceIds);

    /**
     * The shortest expected interval, in seconds, among the enabled sensors of each of {@code deviceIds} that have
     * one; devices without such a sensor are absent.
     */
    Map<UUID, Long> expectedIntervals(UUID tenantId, Collection<UUID> deviceIds);
}
