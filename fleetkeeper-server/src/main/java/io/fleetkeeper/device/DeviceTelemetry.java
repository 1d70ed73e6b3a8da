package io.fleetkeeper.device;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What the registry asks about telemetry: the fleet query field {@code telemetry.METRIC}, the latest value of a
 * metric of the default stream. The telemetry feature provides it, so neither the device nor the fleet feature
 * reads the telemetry tables.
 */
public interface DeviceTelemetry {

    /** A metric as a query names it: a name, or {@code outer.inner} for a flattened one. */
    Pattern METRIC = Pattern.compile("[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64})?");

    /**
     * A condition that holds when the device whose id is the SQL expression {@code deviceId} has a latest value of
     * {@code metric} that passes the test. Values are as for {@link DeviceShadows#reported}: a {@link String}
     * matches string values (code-point order), a {@link java.math.BigDecimal} numbers (numerically), a
     * {@link Boolean} booleans (EQ and IN only); EXISTS takes none. Never SQL NULL: a device without the value does
     * not match, and {@code NOT (…)} is its exact complement.
     *
     * @throws IllegalArgumentException when the metric or a value is outside these rules
     */
    DeviceCondition latest(UUID tenantId, String deviceId, String metric, DeviceShadows.Comparison comparison,
            List<Object> values);
}
