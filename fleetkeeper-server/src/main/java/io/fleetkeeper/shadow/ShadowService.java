package io.fleetkeeper.shadow;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatusChanged;
import io.fleetkeeper.shadow.internal.ShadowDoc;
import io.fleetkeeper.shadow.internal.ShadowJson;
import io.fleetkeeper.shadow.internal.ShadowPublisher;
import io.fleetkeeper.shadow.internal.ShadowRepository;
import io.fleetkeeper.shadow.internal.ShadowRepository.Row;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device shadows: a classic shadow and up to {@code max-named-shadows} named ones per device. Operators write
 * {@code desired}, devices write {@code reported}; every write and delete takes the next version by a
 * conditional {@code UPDATE … WHERE version = ?}, so of two writers expecting the same version only one wins.
 * Names are {@code null} or {@code ""} for the classic shadow.
 */
@Service
public class ShadowService {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Set<String> RESERVED = Set.of("delta", "history", "desired", "reported");

    private final ShadowRepository shadows;
    private final ShadowPublisher publisher;
    private final DeviceService devices;
    private final AuditService audit;
    private final ShadowSchemas schemas;
    private final ShadowProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final ShadowBatch batch;

    ShadowService(ShadowRepository shadows, ShadowPublisher publisher, DeviceService devices, AuditService audit,
            ShadowSchemas schemas, ShadowProperties properties, JsonMapper json, Clock clock,
            PlatformTransactionManager txManager) {
        this.schemas = schemas;
        this.shadows = shadows;
        this.publisher = publisher;
        this.devices = devices;
        this.audit = audit;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
        this.batch = new ShadowBatch(this, shadows, devices, properties, json, clock, txManager);
    }

    /** The shadow, with its delta; 404 when the device or the shadow does not exist (or was deleted). */
    public Shadow get(UUID tenantId, UUID deviceId, String name) {
        String n = name(name);
        Row row = shadows.find(tenantId, deviceId, n).filter(r -> r.document() != null)
                .orElseThrow(() -> ApiException.notFound("shadow"));
        return view(deviceId, row);
    }

    /** A shadow by tenant, device and name ({@code classic}, empty or null: the classic shadow). */
    public record Key(UUID tenantId, UUID deviceId, String name) {
    }

    /**
     * Sends each shadow's current delta, if it has one, to its device (over MQTT, on whichever node holds it), once
     * however often the shadow is named, in the order first named; one read per tenant. Called by the event feature
     * for the committed changes of desired sections: at least once, also after a crash between commit and send.
     * Nothing happens for a shadow that no longer exists.
     */
    public void pushDeltas(Collection<Key> keys) {
        Map<UUID, Set<Key>> byTenant = new LinkedHashMap<>();
        for (Key k : keys) {
            String n = k.name() == null || k.name().equals("classic") ? "" : k.name();
            byTenant.computeIfAbsent(k.tenantId(), t -> new LinkedHashSet<>())
                    .add(new Key(k.tenantId(), k.deviceId(), n));
        }
        byTenant.forEach((tenantId, wanted) -> {
            Map<Key, Row> rows = new HashMap<>();
            shadows.findAll(tenantId, wanted.stream().map(Key::deviceId).distinct().toList(),
                    wanted.stream().map(Key::name).distinct().toList(),
                    (deviceId, row) -> rows.put(new Key(tenantId, deviceId, row.name()), row));
            for (Key k : wanted) {
                Row row = rows.get(k);
                if (row != null && row.document() != null) {
                    publisher.delta(tenantId, view(k.deviceId(), row));
                }
            }
        });
    }

    /** The device's shadows (classic first). */
    public List<ShadowSummary> list(UUID tenantId, UUID deviceId) {
        requireDevice(tenantId, deviceId);
        return shadows.list(tenantId, deviceId).stream().map(r -> new ShadowSummary(r.name().isEmpty() ? null
                : r.name(), r.version(), Instant.ofEpochMilli(r.updatedAt()))).toList();
    }

    /** Every live shadow of the device in full (classic first). */
    public List<Shadow> all(UUID tenantId, UUID deviceId) {
        return shadows.list(tenantId, deviceId).stream().map(r -> view(deviceId, r)).toList();
    }

    /** The kept versions, newest first. */
    public List<ShadowVersion> history(UUID tenantId, UUID deviceId, String name) {
        String n = name(name);
        requireDevice(tenantId, deviceId);
        return shadows.history(tenantId, deviceId, n, properties.historySize()).stream()
                .map(p -> version(deviceId, n, p)).toList();
    }

    public ShadowVersion history(UUID tenantId, UUID deviceId, String name, long version) {
        String n = name(name);
        requireDevice(tenantId, deviceId);
        return shadows.historyVersion(tenantId, deviceId, n, version, properties.historySize())
                .map(p -> version(deviceId, n, p)).orElseThrow(() -> ApiException.notFound("shadow version"));
    }

    /**
     * Writes one section: creates the shadow when it does not exist (or was deleted), else merges into it.
     * Writes by operators ({@code desired}) are audited; every write appends {@code SHADOW-UPDATED} to the
     * device's events. After commit the device gets {@code update/documents} and, when desired changed and
     * differs from reported, {@code update/delta}.
     */
    @Transactional
    public Shadow update(Caller caller, UUID deviceId, String name, ShadowUpdate u) {
        UUID tenantId = caller.tenantId();
        String n = name(name);
        Map<UUID, String> types = devices.deviceTypes(tenantId, List.of(deviceId)); // no tags or metadata parsed
        if (!types.containsKey(deviceId)) {
            throw ApiException.notFound("device");
        }
        String deviceType = types.get(deviceId);
        check(u);
        for (int attempt = 0; ; attempt++) {
            Row row = shadows.find(tenantId, deviceId, n).orElse(null);
            long now = clock.millis();
            Applied a = apply(tenantId, deviceType, deviceId, n, row, u, now,
                    () -> shadows.countNamed(tenantId, deviceId));
            boolean won = row == null ? shadows.insert(tenantId, deviceId, n, a.version(), a.text(), now)
                    : shadows.update(tenantId, deviceId, n, row.version(), a.version(), a.text(), now);
            if (!won) {
                if (u.ifMatch() != null || u.expectedVersion() != null || attempt >= 10) {
                    throw conflict(u, "the shadow was changed concurrently");
                }
                continue; // no expectation: merge into the winner's version
            }
            shadows.remember(tenantId, deviceId, n, a.version(), a.text(), caller.actor(), now,
                    properties.historySize());
            record(caller, deviceId, n, a.version(), u.section(), "SHADOW-UPDATED", "shadow.update");
            // the delta a desired change leaves is pushed from the outbox (pushDeltas), so a crash after commit
            // cannot lose it; the documents message stays a best-effort notice after commit
            AfterCommit.run(() -> sendDocuments(tenantId, deviceId, a));
            return a.result();
        }
    }

    /**
     * Device reported updates written together: one transaction, batched statements, one commit (see
     * {@link ShadowBatch}). Each outcome is that of {@link #update} for its report, in order: reports to one shadow
     * apply one after the other, and a report refused (no device, a broken schema or limit, a version conflict)
     * fails alone. Outcomes are returned after the commit; {@code update/documents} is sent by then.
     */
    public List<Outcome> reportAll(List<Report> reports) {
        return batch.write(reports);
    }

    /** Batches of {@link #reportAll} that failed as a whole and were written report by report. */
    long batchesFailedWhole() {
        return batch.failedWhole();
    }

    /** A device's reported update, one item of {@link #reportAll}. */
    public record Report(Caller device, UUID deviceId, String name, ShadowUpdate update) {
    }

    /** What became of a {@link Report}: the shadow written, or the error ({@code ApiException} when refused). */
    public record Outcome(Shadow shadow, RuntimeException error) {
    }

    /** A write worked out in memory: the new document, its version and text, and the row it replaces. */
    record Applied(ShadowDoc doc, long version, String text, Row before, Shadow result) {
    }

    /**
     * The checks and the merge of one write onto {@code row} (null: none yet), without writing: expected
     * versions, the named-shadow cap ({@code namedCount} read only when a named shadow would be created), the
     * device type's schema and the size limit. Throws {@link ApiException} when the write is refused.
     */
    Applied apply(UUID tenantId, String deviceType, UUID deviceId, String n, Row row, ShadowUpdate u, long now,
            LongSupplier namedCount) {
        long current = row == null ? 0 : row.version();
        boolean live = row != null && row.document() != null;
        expect(u.ifMatch(), current, ErrorCode.PRECONDITION_FAILED);
        expect(u.expectedVersion(), current, ErrorCode.VERSION_CONFLICT);
        if (!live && !n.isEmpty() && namedCount.getAsLong() >= properties.maxNamedShadows()) {
            throw new ApiException(ErrorCode.CONFLICT, "a device has at most " + properties.maxNamedShadows()
                    + " named shadows; delete one first");
        }
        ShadowDoc doc = live ? ShadowDoc.parse(json, row.document()) : ShadowDoc.empty();
        if (u.replace()) {
            doc.apply(u.section(), null, now / 1000);
        }
        doc.apply(u.section(), u.patch(), now / 1000);
        schemas.check(tenantId, deviceType, u.section(), doc.section(u.section()));
        int bytes = doc.stateBytes(json);
        if (bytes > properties.maxStateBytes()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "desired + reported would take " + bytes
                    + " bytes; the limit is " + properties.maxStateBytes());
        }
        long next = current + 1;
        return new Applied(doc, next, doc.toJson(json), live ? row : null,
                doc.view(deviceId, n, next, now / 1000).withClientToken(u.clientToken()));
    }

    /** After commit: {@code update/documents} (built only when the device can receive it). */
    void sendDocuments(UUID tenantId, UUID deviceId, Applied a) {
        publisher.documents(tenantId, () -> a.before() == null ? null : view(deviceId, a.before()), a.result());
    }

    /** Deletes the shadow; its version counter is kept, so a re-created shadow continues from it. */
    @Transactional
    public void delete(Caller caller, UUID deviceId, String name, Long ifMatch) {
        UUID tenantId = caller.tenantId();
        String n = name(name);
        requireDevice(tenantId, deviceId);
        Row row = shadows.find(tenantId, deviceId, n).filter(r -> r.document() != null)
                .orElseThrow(() -> ApiException.notFound("shadow"));
        expect(ifMatch, row.version(), ErrorCode.PRECONDITION_FAILED);
        long now = clock.millis();
        if (!shadows.update(tenantId, deviceId, n, row.version(), row.version() + 1, null, now)) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the shadow was changed concurrently");
        }
        shadows.remember(tenantId, deviceId, n, row.version() + 1, null, caller.actor(), now,
                properties.historySize());
        record(caller, deviceId, n, row.version() + 1, null, "SHADOW-DELETED", "shadow.delete");
    }

    /** A purged device's shadows go with it. */
    @EventListener
    @Transactional
    public void onDeviceStatusChanged(DeviceStatusChanged e) {
        if (e.status() == null) {
            shadows.deleteDevice(e.tenantId(), e.deviceId());
        }
    }

    /** The classic shadow ({@code ""}) for null or empty; otherwise a valid name. */
    public static String name(String name) {
        if (name == null || name.isEmpty()) {
            return "";
        }
        if (!NAME.matcher(name).matches() || RESERVED.contains(name)) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "a shadow name is 1 to 64 letters, digits, '_' or"
                    + " '-', and not 'delta', 'history', 'desired' or 'reported'");
        }
        return name;
    }

    private void check(ShadowUpdate u) {
        if (u.patch() == null || !u.patch().isObject()) {
            return;
        }
        List<String> violations = ShadowJson.limitViolations("state." + u.section(), u.patch(),
                properties.maxDepth(), properties.maxKeyLength());
        if (!violations.isEmpty()) {
            List<ApiException.FieldError> errors = new ArrayList<>();
            for (String v : violations) {
                int colon = v.indexOf(": ");
                errors.add(new ApiException.FieldError(v.substring(0, colon), v.substring(colon + 2)));
            }
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "the update breaks the shadow's limits (depth "
                    + properties.maxDepth() + ", key length " + properties.maxKeyLength() + ")", errors);
        }
    }

    private static void expect(Long expected, long current, ErrorCode code) {
        if (expected != null && expected != current) {
            throw new ApiException(code, "the shadow is at version " + current + ", not " + expected,
                    Map.of("current_version", current));
        }
    }

    private static ApiException conflict(ShadowUpdate u, String detail) {
        return new ApiException(u.ifMatch() != null ? ErrorCode.PRECONDITION_FAILED : ErrorCode.VERSION_CONFLICT,
                detail);
    }

    private void requireDevice(UUID tenantId, UUID deviceId) {
        if (!devices.exists(tenantId, deviceId)) {
            throw ApiException.notFound("device");
        }
    }

    private void record(Caller caller, UUID deviceId, String name, long version, String section,
            String event, String action) {
        UUID tenantId = caller.tenantId();
        Map<String, Object> details = details(name, version, section);
        devices.recordEvent(tenantId, deviceId, event, caller.actor(), json.writeValueAsString(details));
        if (!caller.actor().startsWith("device:")) {
            audit.recordDetails(tenantId, caller, action, "device", deviceId.toString(), details);
        }
    }

    /** The details of a shadow's device event. */
    static Map<String, Object> details(String name, long version, String section) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("shadow", name.isEmpty() ? "classic" : name);
        details.put("version", version);
        if (section != null) {
            details.put("section", section);
        }
        return details;
    }

    /** Refuses a write breaking the depth or key-length limits (before anything is read). */
    void checkLimits(ShadowUpdate u) {
        check(u);
    }

    static ApiException conflictOf(ShadowUpdate u) {
        return conflict(u, "the shadow was changed concurrently");
    }

    private Shadow view(UUID deviceId, Row row) {
        return ShadowDoc.parse(json, row.document()).view(deviceId, row.name(), row.version(),
                row.updatedAt() / 1000);
    }

    private ShadowVersion version(UUID deviceId, String name, ShadowRepository.Past p) {
        Shadow doc = p.document() == null ? null
                : ShadowDoc.parse(json, p.document()).view(deviceId, name, p.version(), p.at() / 1000);
        return new ShadowVersion(p.version(), p.document() == null, p.actor(), Instant.ofEpochMilli(p.at()), doc);
    }
}
