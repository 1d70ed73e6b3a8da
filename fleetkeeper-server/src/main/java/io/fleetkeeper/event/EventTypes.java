package io.fleetkeeper.event;

import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceEventsRecorded;
import io.fleetkeeper.job.JobStatus;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CloudEvents types of the events going out, derived from the device history's event types: a fixed
 * table for the registry's own names, and {@code io.fleetkeeper.command.<state>} for command transitions.
 */
public final class EventTypes {

    public static final String PREFIX = "io.fleetkeeper.";

    private static final Map<String, String> BY_HISTORY_TYPE = new LinkedHashMap<>();

    static {
        map(DeviceEvent.CREATED, "device.created");
        map(DeviceEvent.UPDATED, "device.updated");
        map(DeviceEvent.STATUS_UPDATED, "device.status.changed");
        map("STATUS-CHANGED", "device.status.changed");
        map(DeviceEvent.DECOMMISSIONED, "device.decommissioned");
        map(DeviceEventsRecorded.PURGED, "device.purged");
        map(DeviceEvent.PROVISIONED, "device.provisioned");
        map(DeviceEvent.RE_PROVISIONED, "device.reprovisioned");
        map("KEY-ROTATED", "device.key.rotated");
        map("CREDENTIAL-CONFLICT", "device.credential.conflict");
        map(DeviceEvent.RENEWED, "certificate.renewed");
        map("CERTIFICATE-ISSUED", "certificate.issued");
        map("CERTIFICATE-BOUND", "certificate.bound");
        map("CERTIFICATE-REVOKED", "certificate.revoked");
        map("RENEWAL-DUE", "certificate.renewal_due");
        map("EXPIRING-SOON", "certificate.expiring_soon");
        map("EXPIRED", "certificate.expired");
        map("SHADOW-UPDATED", "shadow.updated");
        map("SHADOW-DELETED", "shadow.deleted");
        map("CONNECTED", "connection.opened");
        map("DISCONNECTED", "connection.closed");
        map("HEALTH-CHANGED", "device.health.changed");
        for (String t : DeviceEvent.TYPES) {
            if (t.startsWith("COMMAND-")) {
                map(t, "command." + t.substring("COMMAND-".length()).toLowerCase(Locale.ROOT));
            }
        }
    }

    /** The types of a job's status changes. */
    public static final Set<String> JOB = Set.of(PREFIX + "job.created", PREFIX + "job.paused",
            PREFIX + "job.resumed", PREFIX + "job.canceled", PREFIX + "job.aborted", PREFIX + "job.completed");

    /** A device's provisioning attempt refused for a tenant (succeeded: {@code device.provisioned}). */
    public static final String PROVISIONING_FAILED = PREFIX + "provisioning.failed";

    /**
     * A telemetry message a route's telemetry source matched; not an outbox event (routes take it straight from
     * the telemetry writer), so not among {@link #ALL}.
     */
    public static final String TELEMETRY_RECEIVED = PREFIX + "telemetry.received";

    /** Every type an event going out may have. */
    public static final Set<String> ALL;

    static {
        Set<String> all = new TreeSet<>(BY_HISTORY_TYPE.values());
        all.addAll(JOB);
        all.add(PROVISIONING_FAILED);
        ALL = Set.copyOf(all);
    }

    private EventTypes() {
    }

    private static void map(String historyType, String suffix) {
        BY_HISTORY_TYPE.put(historyType, PREFIX + suffix);
    }

    /** The CloudEvents type of a job's status change. */
    public static String ofJob(JobStatus from, JobStatus to) {
        String what = switch (to) {
            case IN_PROGRESS -> from == null ? "created" : "resumed";
            case PAUSED -> "paused";
            case CANCELED -> "canceled";
            case ABORTED -> "aborted";
            case COMPLETED -> "completed";
        };
        return PREFIX + "job." + what;
    }

    /** The CloudEvents type of a device-history event type; unknown names map by rule (lower case, dots). */
    public static String of(String historyType) {
        String t = BY_HISTORY_TYPE.get(historyType);
        return t != null ? t : PREFIX + "device." + historyType.toLowerCase(Locale.ROOT).replace('-', '.');
    }
}
