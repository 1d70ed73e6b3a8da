package io.fleetkeeper.export;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kinds of export and their columns (CSV header and the fields an NDJSON line may be narrowed to). The rows
 * of the device sub-resources carry a leading {@code device_id}.
 */
public final class ExportKinds {

    private static final Map<String, List<String>> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put("devices", List.of("id", "name", "device_type", "serial", "status", "identity_status",
                "firmware_version", "hardware_revision", "site", "tags", "metadata", "registered_at", "last_seen_at",
                "updated_at", "version"));
        COLUMNS.put("telemetry", List.of("device_id", "ts", "stream", "metric", "value", "msg_id"));
        COLUMNS.put("device_events", List.of("device_id", "id", "type", "actor", "at", "details"));
        COLUMNS.put("audit", List.of("id", "at", "actor", "action", "target_type", "target_id", "request_id",
                "details"));
        COLUMNS.put("certificates", List.of("device_id", "id", "slot", "slot_version", "primary", "status", "serial",
                "fingerprint", "subject", "issuer", "not_before", "not_after", "revoked_at", "revocation_reason",
                "origin", "created_at", "pem"));
        COLUMNS.put("job_executions", List.of("job_id", "device_id", "status", "attempt", "queued_at", "started_at",
                "finished_at", "updated_at", "command_id", "details"));
    }

    /** Kinds that take a time range ({@code from} inclusive, {@code to} exclusive). */
    public static final Set<String> TIME_RANGED = Set.of("telemetry", "device_events", "audit");

    /** Kinds that take a fleet query (the devices, or the devices whose sub-resources are exported). */
    public static final Set<String> QUERIED = Set.of("devices", "telemetry", "device_events", "certificates",
            "job_executions");

    private ExportKinds() {
    }

    public static Set<String> names() {
        return COLUMNS.keySet();
    }

    /** Every column of {@code kind}, in order; empty for an unknown kind. */
    public static List<String> columns(String kind) {
        return COLUMNS.getOrDefault(kind, List.of());
    }
}
