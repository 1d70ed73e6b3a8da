package io.fleetkeeper.export.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditEntry;
import io.fleetkeeper.audit.AuditQuery;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceEvent;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.export.Export;
import io.fleetkeeper.export.ExportKinds;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.job.JobService;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.telemetry.TelemetryQueries;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What each kind of export reads, page by page through the owning feature's service (never its tables). Devices
 * and the audit log are listed directly; the sub-resources of devices (telemetry, device events, certificates, job
 * executions) are read device by device, for the devices that match the fleet query, in device id order. Every
 * row becomes the JSON object the API returns for it (sub-resources with a leading {@code device_id}); CSV cells
 * are that object's fields in column order.
 */
@Component
class Sources {

    /** Receives rows in export order. */
    interface Sink {
        void row(ObjectNode item) throws IOException;
    }

    /** One kind of export: streams its rows into a sink, {@code pageSize} at a time from the database. */
    interface Source {
        void rows(int pageSize, Sink sink) throws IOException;
    }

    /** A page reader of one device's sub-resource: (device, cursor, limit) → page. */
    private interface DevicePages {
        Page<?> page(UUID deviceId, String cursor, int limit);
    }

    private static final Set<Class<?>> RAW_JSON = Set.of(AuditEntry.class, DeviceEvent.class);

    private final DeviceService devices;
    private final FleetQueries fleet;
    private final AuditService audit;
    private final TelemetryQueries telemetry;
    private final CertificateService certificates;
    private final JobService jobs;
    private final JsonMapper json;

    Sources(DeviceService devices, FleetQueries fleet, AuditService audit, TelemetryQueries telemetry,
            CertificateService certificates, JobService jobs, JsonMapper json) {
        this.devices = devices;
        this.fleet = fleet;
        this.audit = audit;
        this.telemetry = telemetry;
        this.certificates = certificates;
        this.jobs = jobs;
        this.json = json;
    }

    Source of(UUID tenantId, Export e) {
        if ("audit".equals(e.kind())) {
            AuditQuery q = new AuditQuery(null, null, null, null, e.from(), e.to());
            return (pageSize, sink) -> pages((cursor, limit) -> audit.list(tenantId, q, cursor, limit), pageSize,
                    item -> sink.row(tree(item)));
        }
        DeviceCondition condition = fleet.compile(tenantId, e.query());
        if ("devices".equals(e.kind())) {
            return (pageSize, sink) -> eachDevice(tenantId, condition, pageSize, d -> sink.row(tree(d)));
        }
        DevicePages sub = switch (e.kind()) {
            case "telemetry" -> {
                var range = new TelemetryQueries.Range(null, null, e.from(), e.to());
                yield (id, cursor, limit) -> telemetry.raw(tenantId, id, range, cursor, limit);
            }
            case "device_events" -> (id, cursor, limit) -> devices.eventsBetween(tenantId, id, e.from(), e.to(),
                    cursor, limit);
            case "certificates" -> (id, cursor, limit) -> certificates.forDevice(tenantId, id, cursor, limit);
            case "job_executions" -> (id, cursor, limit) -> jobs.deviceExecutions(tenantId, id, cursor, limit);
            default -> throw new IllegalStateException("unknown export kind " + e.kind());
        };
        return (pageSize, sink) -> eachDevice(tenantId, condition, pageSize, d -> {
            try {
                pages((cursor, limit) -> sub.page(d.id(), cursor, limit), pageSize,
                        item -> sink.row(withDevice(d.id(), item)));
            } catch (ApiException gone) {
                if (gone.code() != ErrorCode.NOT_FOUND) {
                    throw gone;
                }
                // deleted since it was listed (SQLite's pages without one snapshot): nothing to export for it
            }
        });
    }

    private interface ItemConsumer<T> {
        void accept(T item) throws IOException;
    }

    private void eachDevice(UUID tenantId, DeviceCondition condition, int pageSize, ItemConsumer<Device> each)
            throws IOException {
        DeviceFilter filter = DeviceFilter.matching(condition, "id");
        pages((cursor, limit) -> devices.list(tenantId, filter, cursor, limit), pageSize, item -> each.accept(
                (Device) item));
    }

    private static void pages(BiFunction<String, Integer, Page<?>> read, int pageSize, ItemConsumer<Object> each)
            throws IOException {
        String cursor = null;
        do {
            Page<?> page = read.apply(cursor, pageSize);
            for (Object item : page.items()) {
                each.accept(item);
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    /**
     * The API's JSON object of a row. Types with {@code @JsonRawValue} fields (details held as JSON text) go through
     * text, so those fields become JSON trees a CSV cell can print; the others are converted directly.
     */
    private ObjectNode tree(Object item) {
        if (RAW_JSON.contains(item.getClass())) {
            return (ObjectNode) json.readTree(json.writeValueAsString(item));
        }
        return json.valueToTree(item);
    }

    private ObjectNode withDevice(UUID deviceId, Object item) {
        ObjectNode row = json.createObjectNode();
        row.put("device_id", deviceId.toString());
        for (var field : tree(item).properties()) {
            if (!"device_id".equals(field.getKey())) {
                row.set(field.getKey(), field.getValue());
            }
        }
        return row;
    }

    /** The CSV cells of {@code row}: text as is, arrays of text joined with {@code ;}, other JSON as JSON. */
    static List<Object> cells(ObjectNode row, List<String> columns) {
        List<Object> cells = new ArrayList<>(columns.size());
        for (String c : columns) {
            JsonNode v = row.get(c);
            if (v == null || v.isNull() || v.isMissingNode()) {
                cells.add(null);
            } else if (v.isValueNode()) {
                cells.add(v.asString());
            } else if (v.isArray() && textOnly(v)) {
                List<String> parts = new ArrayList<>();
                v.forEach(x -> parts.add(x.asString()));
                cells.add(String.join(";", parts));
            } else {
                cells.add(v.toString());
            }
        }
        return cells;
    }

    private static boolean textOnly(JsonNode array) {
        for (JsonNode x : array) {
            if (!x.isString()) {
                return false;
            }
        }
        return true;
    }

    /** The columns an export writes: those asked for, or all of its kind. */
    static List<String> columns(Export e) {
        return e.columns() == null || e.columns().isEmpty() ? ExportKinds.columns(e.kind()) : e.columns();
    }
}
