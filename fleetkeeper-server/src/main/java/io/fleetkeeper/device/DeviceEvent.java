package io.fleetkeeper.device;

import com.fasterxml.jackson.annotation.JsonRawValue;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** One entry of a device's history: what happened, who did it, when; details are JSON. */
public record DeviceEvent(long id, String type, @Nullable String actor, @Nullable @JsonRawValue String details,
        Instant at) {

    public static final String CREATED = "CREATED";
    public static final String UPDATED = "UPDATED";
    public static final String STATUS_UPDATED = "STATUS-UPDATED";
    public static final String DECOMMISSIONED = "DECOMMISSIONED";
    /** The device got its first identity: written once per device. */
    public static final String PROVISIONED = "PROVISIONED";
    public static final String RE_PROVISIONED = "RE-PROVISIONED";
    /** A certificate renewed: by an operator, or by the device (EST re-enrollment, JSON renewal, server keys). */
    public static final String RENEWED = "RENEWED";

    /**
     * Former names still accepted as filters for a deprecation period, with the name written today. Events
     * stored under a former name keep it; a filter for either name finds both.
     */
    public static final Map<String, String> DEPRECATED_NAMES = Map.of("STATUS-CHANGED", STATUS_UPDATED);

    /** The event types the registry writes: the values a filter by type accepts, besides the former names. */
    public static final Set<String> TYPES = Set.of(CREATED, UPDATED, STATUS_UPDATED, DECOMMISSIONED, PROVISIONED,
            RE_PROVISIONED, RENEWED, "CERTIFICATE-ISSUED", "CERTIFICATE-BOUND", "CERTIFICATE-REVOKED", "KEY-ROTATED",
            "CREDENTIAL-CONFLICT", "RENEWAL-DUE", "EXPIRING-SOON", "EXPIRED", "SHADOW-UPDATED", "SHADOW-DELETED",
            "CONNECTED", "DISCONNECTED", "COMMAND-QUEUED", "COMMAND-SENT", "COMMAND-DELIVERED", "COMMAND-SUCCEEDED",
            "COMMAND-FAILED", "COMMAND-REJECTED", "COMMAND-TIMED_OUT", "COMMAND-EXPIRED", "COMMAND-CANCELED",
            "SECRET-CREATED", "SECRET-ROTATED", "SECRET-REVOKED", "SECRET-DELETED",
            "ROTATION-STARTED", "ROTATION-DELIVERED", "ROTATION-REJECTED", "ROTATION-ROLLED-BACK",
            "TELEMETRY-REJECTED", "TELEMETRY-OUT-OF-RANGE", "HEALTH-CHANGED",
            "OTA-STARTED", "OTA-SUCCEEDED", "OTA-FAILED",
            "SIM-PROVISIONED", "SIM-STATUS-CHANGED", "SIM-UNLINKED",
            "MODULE-ASSIGNED", "MODULE-REPLACED", "MODULE-REMOVED");

    /**
     * The stored type names a filter for {@code type} matches: the name itself, and its former or current name
     * while the former one is deprecated. Null for a type the registry does not know.
     */
    public static @Nullable Set<String> storedNames(String type) {
        Set<String> names = new LinkedHashSet<>();
        if (DEPRECATED_NAMES.containsKey(type)) {
            names.add(type);
            names.add(DEPRECATED_NAMES.get(type));
        } else if (TYPES.contains(type)) {
            names.add(type);
            DEPRECATED_NAMES.forEach((old, current) -> {
                if (current.equals(type)) {
                    names.add(old);
                }
            });
        } else {
            return null;
        }
        return names;
    }
}
