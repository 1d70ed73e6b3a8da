package io.fleetkeeper.shadow;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.cluster.ClusterBus;
import io.fleetkeeper.cluster.ClusterMessage;
import io.fleetkeeper.cluster.ClusterMessage.Invalidate;
import io.fleetkeeper.device.DeviceTypeService;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Optional JSON Schemas (draft 2020-12, validated by networknt json-schema-validator) per declared device type,
 * one for {@code desired} and one for {@code reported}. A shadow write whose resulting section breaks its
 * schema is refused with every violation and changes nothing.
 *
 * <p>Every shadow write checks its section, so the schemas are read through a per-node cache keyed by (tenant,
 * device type), absent schemas included. A change drops the entry after commit on this node and, through a
 * {@link Invalidate} of {@link Invalidate#SHADOW_SCHEMAS} on the cluster bus, on the others; entries also expire
 * after {@link #CACHE_TTL}, a backstop for a bus message lost (the bus is at most once).
 */
@Service
public class ShadowSchemas {

    /** The schemas of a device type; either may be null (not checked). */
    public record TypeSchemas(String deviceType, JsonNode desired, JsonNode reported, long version,
            Instant updatedAt) {
    }

    /** The longest a node may check against schemas another node replaced, should the bus lose the notice. */
    static final Duration CACHE_TTL = Duration.ofMinutes(5);

    /** What a write checks against: a type's schemas and their stored text (the compiled-schema key). */
    private record Entry(TypeSchemas schemas, String desiredText, String reportedText) {
    }

    private record Key(UUID tenantId, String deviceType) {
    }

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private final JdbcClient jdbc;
    private final DeviceTypeService types;
    private final AuditService audit;
    private final JsonMapper json;
    private final Clock clock;
    private final ClusterBus bus;
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();
    private final Cache<Key, Optional<Entry>> cache = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(CACHE_TTL).build();

    ShadowSchemas(JdbcClient jdbc, DeviceTypeService types, AuditService audit, JsonMapper json, Clock clock,
            ClusterBus bus) {
        this.jdbc = jdbc;
        this.types = types;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.bus = bus;
        bus.subscribe(this::onMessage);
    }

    public Optional<TypeSchemas> find(UUID tenantId, String deviceType) {
        return load(tenantId, deviceType).map(Entry::schemas);
    }

    private Optional<Entry> load(UUID tenantId, String deviceType) {
        if (deviceType == null) {
            return Optional.empty();
        }
        return jdbc.sql("SELECT desired, reported, version, updated_at FROM shadow_schemas WHERE tenant_id = ? AND "
                + "device_type = ?").params(tenantId.toString(), deviceType)
                .query((rs, n) -> {
                    String d = rs.getString(1);
                    String r = rs.getString(2);
                    return new Entry(new TypeSchemas(deviceType, read(d), read(r), rs.getLong(3),
                            Instant.ofEpochMilli(rs.getLong(4))), d, r);
                }).optional();
    }

    /** The schemas a write checks against, from the cache (a miss reads the store). */
    private Optional<Entry> cached(UUID tenantId, String deviceType) {
        if (deviceType == null) {
            return Optional.empty();
        }
        return cache.get(new Key(tenantId, deviceType), k -> load(k.tenantId(), k.deviceType()));
    }

    /**
     * After commit, drops the type's entry here and tells the other nodes to. (Caffeine serialises a removal with
     * a load of the same key, so a load that read the old row before the commit is dropped too.)
     */
    private void changed(UUID tenantId, String deviceType) {
        AfterCommit.run(() -> {
            cache.invalidate(new Key(tenantId, deviceType));
            bus.publish(new Invalidate(bus.nodeId(), Invalidate.SHADOW_SCHEMAS, tenantId + "/" + deviceType));
        });
    }

    /** Every node, for every message on the bus (on a bus thread: quick, no SQL). */
    void onMessage(ClusterMessage message) {
        if (!(message instanceof Invalidate i) || bus.nodeId().equals(i.origin())) {
            return;
        }
        if (i.cache().equals(Invalidate.ALL)) {
            cache.invalidateAll();
        } else if (i.cache().equals(Invalidate.SHADOW_SCHEMAS)) {
            int slash = i.key() == null ? -1 : i.key().indexOf('/');
            try {
                if (slash < 0) {
                    cache.invalidateAll();
                } else {
                    cache.invalidate(new Key(UUID.fromString(i.key().substring(0, slash)),
                            i.key().substring(slash + 1)));
                }
            } catch (IllegalArgumentException malformed) {
                cache.invalidateAll();
            }
        }
    }

    public TypeSchemas get(UUID tenantId, String deviceType) {
        types.get(tenantId, deviceType);
        return find(tenantId, deviceType).orElseThrow(() -> ApiException.notFound("shadow schema"));
    }

    /** Sets (replaces) the schemas of a declared device type; each must compile. */
    @Transactional
    public TypeSchemas put(Caller caller, String deviceType, JsonNode desired, JsonNode reported) {
        UUID tenantId = caller.tenantId();
        types.get(tenantId, deviceType);
        String d = text("desired", desired);
        String r = text("reported", reported);
        long now = clock.millis();
        jdbc.sql("""
                INSERT INTO shadow_schemas (tenant_id, device_type, desired, reported, updated_at, version)
                VALUES (?, ?, ?, ?, ?, 1)
                ON CONFLICT (tenant_id, device_type) DO UPDATE SET desired = excluded.desired,
                    reported = excluded.reported, updated_at = excluded.updated_at,
                    version = shadow_schemas.version + 1""")
                .params(tenantId.toString(), deviceType, d, r, now).update();
        changed(tenantId, deviceType);
        audit.record(tenantId, caller, "shadow.schema.put", "device_type", deviceType, null);
        return find(tenantId, deviceType).orElseThrow();
    }

    @Transactional
    public void delete(Caller caller, String deviceType) {
        UUID tenantId = caller.tenantId();
        types.get(tenantId, deviceType);
        if (jdbc.sql("DELETE FROM shadow_schemas WHERE tenant_id = ? AND device_type = ?")
                .params(tenantId.toString(), deviceType).update() == 0) {
            throw ApiException.notFound("shadow schema");
        }
        changed(tenantId, deviceType);
        audit.record(tenantId, caller, "shadow.schema.delete", "device_type", deviceType, null);
    }

    /** Refuses (400, every violation listed) a section that breaks its device type's schema. */
    public void check(UUID tenantId, String deviceType, String section, JsonNode value) {
        Entry entry = cached(tenantId, deviceType).orElse(null);
        boolean desired = section.equals("desired");
        JsonNode schema = entry == null ? null : desired ? entry.schemas().desired() : entry.schemas().reported();
        if (schema == null) {
            return;
        }
        List<Error> errors = compile(section, schema, desired ? entry.desiredText() : entry.reportedText())
                .validate(value);
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "state." + section + " does not match the "
                    + section + " schema of device type '" + deviceType + "'", errors.stream().limit(50)
                    .map(e -> new ApiException.FieldError("state." + section + location(e), e.getMessage())).toList());
        }
    }

    private static String location(Error e) {
        String at = e.getInstanceLocation().toString(); // a JSON pointer ("/a/b") or a path ("$.a.b")
        if (at.startsWith("$")) {
            return at.substring(1);
        }
        StringBuilder path = new StringBuilder();
        for (String level : at.split("/")) {
            if (!level.isEmpty()) {
                path.append('.').append(level.replace("~1", "/").replace("~0", "~"));
            }
        }
        return path.toString();
    }

    private Schema compile(String field, JsonNode schema) {
        return compile(field, schema, json.writeValueAsString(schema));
    }

    private Schema compile(String field, JsonNode schema, String text) {
        if (compiled.size() > 10_000) {
            compiled.clear(); // a crude bound; schemas are few and recompiled on demand
        }
        return compiled.computeIfAbsent(text, t -> {
            try {
                return REGISTRY.getSchema(schema);
            } catch (RuntimeException e) {
                throw new ApiException(ErrorCode.VALIDATION_FAILED, field + " is not a usable JSON Schema: "
                        + e.getMessage(), List.of(new ApiException.FieldError(field, "is not a usable JSON Schema")));
            }
        });
    }

    private String text(String field, JsonNode schema) {
        if (schema == null || schema.isNull()) {
            return null;
        }
        if (!schema.isObject() && !schema.isBoolean()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, field + " must be a JSON Schema object",
                    List.of(new ApiException.FieldError(field, "must be a JSON Schema object or null")));
        }
        String outside = outsideReference(schema);
        if (outside != null) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, field + " may only reference itself ('#…'): "
                    + outside, List.of(new ApiException.FieldError(field, "refers outside the schema: " + outside)));
        }
        Schema compiledSchema = compile(field, schema);
        compiledSchema.validate(json.createObjectNode()); // resolves lazily-loaded parts now, not at the first write
        return json.writeValueAsString(schema);
    }

    /**
     * The first reference that would make the validator load something from elsewhere (the network, files):
     * {@code $ref}/{@code $dynamicRef} not starting with {@code #}, any {@code $id}, or a {@code $schema} other
     * than draft 2020-12. Null when the schema is self-contained.
     */
    static String outsideReference(JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String k = e.getKey();
                JsonNode v = e.getValue();
                if ((k.equals("$ref") || k.equals("$dynamicRef") || k.equals("$recursiveRef"))
                        && !(v.isString() && v.asString().startsWith("#"))) {
                    return k + ": " + v;
                }
                if (k.equals("$id") || (k.equals("$schema")
                        && !v.asString("").equals("https://json-schema.org/draft/2020-12/schema"))) {
                    return k + ": " + v;
                }
                String inner = outsideReference(v);
                if (inner != null) {
                    return inner;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String inner = outsideReference(node.get(i));
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }

    private JsonNode read(String text) {
        return text == null ? null : json.readTree(text);
    }
}
