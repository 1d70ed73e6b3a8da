package io.fleetkeeper.export.internal;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditEntry;
import io.fleetkeeper.audit.AuditQuery;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceFilter;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.export.Export;
import io.fleetkeeper.fleet.FleetQueries;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What each kind of export reads, page by page through the owning feature's service (never its tables):
 * its CSV columns and each item's cells.
 */
@Component
class Sources {

    static final List<String> DEVICE_COLUMNS = List.of("id", "name", "device_type", "serial", "status",
            "identity_status", "firmware_version", "hardware_revision", "site", "tags", "metadata", "registered_at",
            "last_seen_at", "updated_at", "version");
    static final List<String> AUDIT_COLUMNS = List.of("id", "at", "actor", "action", "target_type", "target_id",
            "request_id", "details");

    /** One kind of export. */
    interface Source {
        List<String> columns();

        Page<?> page(String cursor, int limit);

        List<Object> cells(Object item);
    }

    private final DeviceService devices;
    private final FleetQueries fleet;
    private final AuditService audit;
    private final tools.jackson.databind.json.JsonMapper json;

    Sources(DeviceService devices, FleetQueries fleet, AuditService audit,
            tools.jackson.databind.json.JsonMapper json) {
        this.devices = devices;
        this.fleet = fleet;
        this.audit = audit;
        this.json = json;
    }

    Source of(UUID tenantId, Export e) {
        return switch (e.kind()) {
            case "devices" -> devices(tenantId, fleet.compile(tenantId, e.query()));
            case "audit" -> audit(tenantId, new AuditQuery(null, null, null, null, e.from(), e.to()));
            default -> throw new IllegalStateException("unknown export kind " + e.kind());
        };
    }

    private Source devices(UUID tenantId, DeviceCondition condition) {
        DeviceFilter filter = DeviceFilter.matching(condition, "id");
        return new Source() {
            public List<String> columns() {
                return DEVICE_COLUMNS;
            }

            public Page<?> page(String cursor, int limit) {
                return devices.list(tenantId, filter, cursor, limit);
            }

            public List<Object> cells(Object item) {
                Device d = (Device) item;
                return Arrays.asList(d.id(), d.name(), d.deviceType(), d.serial(), d.status().name().toLowerCase(
                        java.util.Locale.ROOT), d.identityStatus(), d.firmwareVersion(), d.hardwareRevision(),
                        d.site(), String.join(";", d.tags()), json.writeValueAsString(d.metadata()),
                        d.registeredAt(), d.lastSeenAt(), d.updatedAt(), d.version());
            }
        };
    }

    private Source audit(UUID tenantId, AuditQuery q) {
        return new Source() {
            public List<String> columns() {
                return AUDIT_COLUMNS;
            }

            public Page<?> page(String cursor, int limit) {
                return audit.list(tenantId, q, cursor, limit);
            }

            public List<Object> cells(Object item) {
                AuditEntry a = (AuditEntry) item;
                return Arrays.asList(a.id(), a.at(), a.actor(), a.action(), a.targetType(), a.targetId(),
                        a.requestId(), a.details());
            }
        };
    }
}
