package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * The tenant's bootstrap configuration: one JSON object, versioned (its ETag), handed to every device the tenant
 * provisions (zero-touch bootstrap, claim, registration, {@code POST /api/v1/devices/provision}). String values
 * may hold placeholders, substituted per device when the document is handed out: {@value #PLACEHOLDER_LIST}.
 * Only string values are rewritten (never keys), on the parsed tree, so the result is always valid JSON.
 */
@Service
public class BootstrapConfigurationService {

    /** The largest document accepted, in bytes of its compact JSON. */
    public static final int MAX_BYTES = 16 * 1024;
    static final String PLACEHOLDER_LIST = "{{device_id}}, {{tenant_id}}, {{serial}}, {{name}}, {{device_type}}, "
            + "{{mqtt_host}}";
    private static final Set<String> PLACEHOLDERS = Set.of("device_id", "tenant_id", "serial", "name", "device_type",
            "mqtt_host");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]*)\\s*}}");

    /** The stored document (null when the tenant has none yet, at version 0) and its version. */
    public record BootstrapConfiguration(@Nullable JsonNode document, long version, @Nullable Instant updatedAt) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final AuditService audit;
    private final Clock clock;
    private final String mqttHost;
    private final DeviceService devices;

    BootstrapConfigurationService(JdbcClient jdbc, JsonMapper json, AuditService audit, Clock clock,
            Environment env, DeviceService devices) {
        this.devices = devices;
        this.jdbc = jdbc;
        this.json = json;
        this.audit = audit;
        this.clock = clock;
        // Read by name: the device API feature owns the setting (the names in its server certificate).
        this.mqttHost = Binder.get(env).bind("fleetkeeper.device-api.server-names", Bindable.listOf(String.class))
                .orElse(List.of("localhost")).stream().findFirst().orElse("localhost");
    }

    public BootstrapConfiguration get(UUID tenantId) {
        return jdbc.sql("SELECT document, version, updated_at FROM bootstrap_configurations WHERE tenant_id = ?")
                .param(tenantId.toString())
                .query((rs, n) -> new BootstrapConfiguration(json.readTree(rs.getString("document")),
                        rs.getLong("version"), Times.instant(rs, "updated_at")))
                .optional().orElse(new BootstrapConfiguration(null, 0, null));
    }

    /**
     * Replaces the document when the stored version is still {@code expectedVersion} (0: none stored yet; null:
     * whatever is stored). The document is a JSON object of at most {@link #MAX_BYTES} whose placeholders are
     * all known; otherwise 400 and nothing changes. Audited with its version and size, not its content.
     */
    @Transactional
    public BootstrapConfiguration put(Caller caller, JsonNode document, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        String text = validate(document);
        BootstrapConfiguration cur = get(tenantId);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the bootstrap configuration has changed; its "
                    + "current ETag is \"" + cur.version() + "\"");
        }
        long now = Times.now(clock).toEpochMilli();
        int n = cur.version() == 0
                ? jdbc.sql("""
                        INSERT INTO bootstrap_configurations (tenant_id, document, version, updated_at)
                        VALUES (?, ?, 1, ?) ON CONFLICT (tenant_id) DO NOTHING""")
                        .params(tenantId.toString(), text, now).update()
                : jdbc.sql("""
                        UPDATE bootstrap_configurations SET document = ?, version = version + 1, updated_at = ?
                        WHERE tenant_id = ? AND version = ?""")
                        .params(text, now, tenantId.toString(), cur.version()).update();
        if (n != 1) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the bootstrap configuration changed meanwhile; "
                    + "read it again");
        }
        long version = cur.version() + 1;
        audit.recordDetails(tenantId, caller, "provisioning.bootstrap_configuration.update",
                "bootstrap_configuration", tenantId.toString(), Map.of("version", version,
                        "bytes", text.getBytes(StandardCharsets.UTF_8).length));
        return new BootstrapConfiguration(json.readTree(text), version, Instant.ofEpochMilli(now));
    }

    /** As {@link #forDevice(UUID, Device)} for the device with id {@code deviceId}. */
    public @Nullable JsonNode forDevice(UUID tenantId, UUID deviceId) {
        return get(tenantId).document() == null ? null : forDevice(tenantId, devices.get(tenantId, deviceId));
    }

    /** The tenant's document for {@code device}, placeholders substituted; null when the tenant has none. */
    public @Nullable JsonNode forDevice(UUID tenantId, Device device) {
        JsonNode doc = get(tenantId).document();
        if (doc == null) {
            return null;
        }
        Map<String, String> values = new java.util.HashMap<>();
        values.put("device_id", device.id().toString());
        values.put("tenant_id", tenantId.toString());
        values.put("serial", Objects.requireNonNullElse(device.serial(), ""));
        values.put("name", device.name());
        values.put("device_type", device.deviceType());
        values.put("mqtt_host", mqttHost);
        return substitute(doc, values);
    }

    private String validate(JsonNode document) {
        if (document == null || !document.isObject()) {
            throw invalid("must be a JSON object");
        }
        String text = json.writeValueAsString(document);
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw invalid("must be at most " + MAX_BYTES + " bytes as compact JSON");
        }
        Set<String> unknown = new TreeSet<>();
        unknownPlaceholders(document, unknown);
        if (!unknown.isEmpty()) {
            throw invalid("unknown placeholder(s) " + unknown + "; known: " + PLACEHOLDER_LIST);
        }
        return text;
    }

    private static void unknownPlaceholders(JsonNode n, Set<String> unknown) {
        if (n.isString()) {
            Matcher m = PLACEHOLDER.matcher(n.asString());
            while (m.find()) {
                if (!PLACEHOLDERS.contains(m.group(1))) {
                    unknown.add(m.group());
                }
            }
        } else if (n.isContainer()) {
            n.values().forEach(v -> unknownPlaceholders(v, unknown));
        }
    }

    private static JsonNode substitute(JsonNode n, Map<String, String> values) {
        if (n.isString()) {
            Matcher m = PLACEHOLDER.matcher(n.asString());
            return StringNode.valueOf(m.replaceAll(r -> Matcher.quoteReplacement(
                    values.getOrDefault(r.group(1), r.group()))));
        }
        if (n instanceof ObjectNode o) {
            ObjectNode out = o.objectNode();
            o.properties().forEach(e -> out.set(e.getKey(), substitute(e.getValue(), values)));
            return out;
        }
        if (n instanceof ArrayNode a) {
            ArrayNode out = a.arrayNode();
            a.values().forEach(v -> out.add(substitute(v, values)));
            return out;
        }
        return n;
    }

    private static ApiException invalid(String why) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, "document " + why,
                List.of(new ApiException.FieldError("document", why)));
    }
}
