package io.fleetkeeper.device;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Lifecycle status, changed only by explicit actions (and, later, by provisioning and first connection). */
public enum DeviceStatus {
    PROVISIONING, ACTIVE, SUSPENDED, DECOMMISSIONED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the wire form; null when the text names no status. */
    public static DeviceStatus parse(String text) {
        for (DeviceStatus s : values()) {
            if (s.wire().equals(text)) {
                return s;
            }
        }
        return null;
    }
}
