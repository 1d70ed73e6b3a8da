package io.fleetkeeper.device;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What the registry asks about a device's carrier SIM: the fleet query fields {@code sim.FIELD}. The carrier
 * feature provides it, so neither the device nor the fleet feature reads its tables.
 */
public interface DeviceSims {

    /** The fields a query may test: text fields and the one numeric field {@code data_used_mb}. */
    Set<String> FIELDS = Set.of("status", "network_status", "carrier", "iccid", "plan", "data_used_mb");

    /**
     * A condition that holds when the device whose id is the SQL expression {@code deviceId} has a SIM whose
     * {@code field} passes the test: a {@link String} for text fields (code-point order), a
     * {@link java.math.BigDecimal} for {@code data_used_mb}; EXISTS takes none. A device without a SIM does not
     * match, and {@code NOT (…)} is its exact complement.
     *
     * @throws IllegalArgumentException when the field or a value is outside these rules
     */
    DeviceCondition sim(UUID tenantId, String deviceId, String field, DeviceShadows.Comparison comparison,
            List<Object> values);
}
