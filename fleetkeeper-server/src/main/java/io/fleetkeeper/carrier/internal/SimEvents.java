package io.fleetkeeper.carrier.internal;

import jakarta.annotation.Nullable;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** The device events of a device's SIM and their details. */
public final class SimEvents {

    public static final String PROVISIONED = "SIM-PROVISIONED";
    public static final String STATUS_CHANGED = "SIM-STATUS-CHANGED";
    public static final String UNLINKED = "SIM-UNLINKED";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SimEvents() {
    }

    /** {@code {"from", "to", "carrier_state", "source": "sync"|"operator"}}. */
    public static String statusChanged(String from, String to, @Nullable String carrierState, String source) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("from", from);
        d.put("to", to);
        d.put("carrier_state", carrierState);
        d.put("source", source);
        return JSON.writeValueAsString(d);
    }

    public static String details(Map<String, ?> details) {
        return JSON.writeValueAsString(details);
    }
}
