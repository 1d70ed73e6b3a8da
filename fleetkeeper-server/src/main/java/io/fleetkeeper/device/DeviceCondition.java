package io.fleetkeeper.device;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled condition on the {@code devices} table (aliased {@code d}), e.g. from a fleet query. Every value
 * is in {@code params}, bound in order; {@code sql} holds only column names from a fixed whitelist, operators
 * and {@code ?} placeholders.
 */
public record DeviceCondition(String sql, List<Object> params) {

    public DeviceCondition {
        params = List.copyOf(params);
    }

    /** Both conditions; a null side is no condition. */
    public static DeviceCondition and(DeviceCondition a, DeviceCondition b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        List<Object> all = new ArrayList<>(a.params);
        all.addAll(b.params);
        return new DeviceCondition("(" + a.sql + ") AND (" + b.sql + ")", all);
    }
}
