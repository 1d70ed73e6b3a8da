package io.fleetkeeper.device;

import java.util.ArrayList;
import java.util.List;

/**
 * A condition on one device, as SQL the device feature embeds in its own statements over {@code devices d}.
 * Every value is in {@code params}, bound in order; {@code sql} holds only fixed fragments, column names from a
 * fixed whitelist, operators and {@code ?} placeholders. Every condition is two-valued (never SQL NULL), so
 * {@link #not} is its exact complement.
 * <p>Only the device feature writes SQL that names its tables or its alias {@code d}: other features get
 * conditions from {@link DeviceConditions}, combine them with {@link #and}, {@link #or} and {@link #not}, and
 * contribute conditions on their own tables either as a set of device ids ({@link #idIn}) or through a provider
 * the device feature calls with the device id column to correlate on ({@link DeviceConnections},
 * {@link DeviceShadows}).
 */
public record DeviceCondition(String sql, List<Object> params) {

    private static final DeviceCondition ALL = new DeviceCondition("1 = 1", List.of());

    public DeviceCondition {
        params = List.copyOf(params);
    }

    /** Every device. */
    public static DeviceCondition all() {
        return ALL;
    }

    /** Both conditions; a null side is no condition. */
    public static DeviceCondition and(DeviceCondition a, DeviceCondition b) {
        return join(a, " AND ", b);
    }

    /** Either condition; neither side may be null. */
    public static DeviceCondition or(DeviceCondition a, DeviceCondition b) {
        return join(a, " OR ", b);
    }

    /** The exact complement of {@code c}. */
    public static DeviceCondition not(DeviceCondition c) {
        return new DeviceCondition("NOT (" + c.sql + ")", c.params);
    }

    /**
     * Devices whose id is among the ids {@code idSelect} returns: a {@code SELECT} of one column of device ids
     * (text UUIDs) that names only the caller's own tables, with its values in {@code params} (e.g. the explicit
     * members of a static group).
     */
    public static DeviceCondition idIn(String idSelect, List<Object> params) {
        return new DeviceCondition("d.id IN (" + idSelect + ")", params);
    }

    private static DeviceCondition join(DeviceCondition a, String op, DeviceCondition b) {
        if (a == null || b == null) {
            if (op.equals(" OR ")) {
                throw new IllegalArgumentException("OR needs two conditions");
            }
            return a == null ? b : a;
        }
        List<Object> all = new ArrayList<>(a.params);
        all.addAll(b.params);
        return new DeviceCondition("(" + a.sql + ")" + op + "(" + b.sql + ")", all);
    }
}
