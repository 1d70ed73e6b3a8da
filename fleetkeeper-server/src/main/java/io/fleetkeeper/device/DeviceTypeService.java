package io.fleetkeeper.device;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Declared device types and the metadata keys their devices must carry. */
@Service
public class DeviceTypeService {

    private static final TypeReference<List<String>> KEYS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final AuditService audit;
    private final Clock clock;

    DeviceTypeService(JdbcClient jdbc, JsonMapper json, AuditService audit, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public DeviceType create(Caller caller, String name, String description, List<String> required) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations();
        DeviceRules.type(v, name);
        v.maxLength("description", description, 1024);
        List<String> keys = keys(v, required);
        v.throwIfAny();
        if (find(tenantId, name).isPresent()) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "device type '" + name + "' exists");
        }
        long now = clock.millis();
        jdbc.sql("""
                INSERT INTO device_types (tenant_id, name, description, required_metadata, created_at, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, 1)""")
                .params(tenantId.toString(), name, description, json.writeValueAsString(keys), now, now).update();
        audit.record(tenantId, caller, "device_type.create", "device_type", name, null);
        return get(tenantId, name);
    }

    public DeviceType get(UUID tenantId, String name) {
        return find(tenantId, name).orElseThrow(() -> ApiException.notFound("device type"));
    }

    public Optional<DeviceType> find(UUID tenantId, String name) {
        return jdbc.sql("SELECT * FROM device_types WHERE tenant_id = ? AND name = ?")
                .params(tenantId.toString(), name).query(this::map).optional();
    }

    /** The metadata keys devices of {@code type} must carry (none when the type is not declared). */
    public List<String> requiredMetadata(UUID tenantId, String type) {
        return find(tenantId, type).map(DeviceType::requiredMetadata).orElse(List.of());
    }

    public Page<DeviceType> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "type-name");
        var rows = jdbc.sql("SELECT * FROM device_types WHERE tenant_id = ? AND name > ? ORDER BY name LIMIT ?")
                .params(tenantId.toString(), c == null ? "" : c.key(), limit + 1).query(this::map).list();
        return Page.of(rows, limit, t -> new Cursor("type-name", t.name(), t.name()));
    }

    @Transactional
    public DeviceType update(Caller caller, String name, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch mp = MergePatch.of(patch, java.util.Set.of("description", "required_metadata"));
        DeviceType cur = get(tenantId, name);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "device type has changed (version " + cur.version() + ")");
        }
        Violations v = new Violations();
        String description = mp.text(v, "description", cur.description());
        v.maxLength("description", description, 1024);
        List<String> keys = cur.requiredMetadata();
        if (mp.has("required_metadata")) {
            JsonNode n = mp.get("required_metadata");
            if (n.isNull()) {
                keys = List.of();
            } else if (n.isArray() && n.valueStream().allMatch(JsonNode::isString)) {
                keys = keys(v, n.valueStream().map(JsonNode::asString).toList());
            } else {
                v.add("required_metadata", "must be an array of metadata keys, or null");
            }
        }
        v.throwIfAny();
        int n = jdbc.sql("""
                UPDATE device_types SET description = ?, required_metadata = ?, updated_at = ?, version = version + 1
                WHERE tenant_id = ? AND name = ? AND version = ?""")
                .params(description, json.writeValueAsString(keys),
                        clock.millis(), tenantId.toString(), name, cur.version())
                .update();
        if (n != 1) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "device type changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "device_type.update", "device_type", name, null);
        return get(tenantId, name);
    }

    @Transactional
    public void delete(Caller caller, String name) {
        UUID tenantId = caller.tenantId();
        get(tenantId, name);
        jdbc.sql("DELETE FROM device_types WHERE tenant_id = ? AND name = ?").params(tenantId.toString(), name)
                .update();
        audit.record(tenantId, caller, "device_type.delete", "device_type", name, null);
    }

    private static List<String> keys(Violations v, List<String> keys) {
        if (keys == null) {
            return List.of();
        }
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            if (k == null || !DeviceRules.META_KEY.matcher(k).matches()) {
                v.add("required_metadata[" + i + "]", "must be a metadata key (1-64 letters, digits or '_.-')");
            }
        }
        if (keys.size() > DeviceRules.MAX_METADATA_KEYS) {
            v.add("required_metadata", "at most " + DeviceRules.MAX_METADATA_KEYS + " keys");
        }
        return keys.stream().distinct().toList();
    }

    private DeviceType map(ResultSet rs, int n) throws SQLException {
        return new DeviceType(rs.getString("name"), rs.getString("description"),
                json.readValue(rs.getString("required_metadata"), KEYS), Times.instant(rs, "created_at"),
                Times.instant(rs, "updated_at"), rs.getLong("version"));
    }
}
