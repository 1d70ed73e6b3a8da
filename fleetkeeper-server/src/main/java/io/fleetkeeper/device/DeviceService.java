package io.fleetkeeper.device;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.internal.DeviceListQuery;
import io.fleetkeeper.device.internal.DeviceRepository;
import io.fleetkeeper.device.internal.EventRepository;
import io.fleetkeeper.device.internal.EventRepository.NewEvent;
import io.fleetkeeper.device.internal.StatsDelta;
import io.fleetkeeper.device.internal.StatsRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device registry: create, read, list, change, lifecycle actions and purge. Every change appends a
 * device event, an audit entry and its count changes in the same transaction.
 */
@Service
public class DeviceService {

    private final DeviceRepository devices;
    private final EventRepository events;
    private final StatsRepository stats;
    private final DevicePatcher patcher;
    private final SiteService sites;
    private final DeviceTypeService types;
    private final AuditService audit;
    private final Clock clock;
    private final org.springframework.context.ApplicationEventPublisher publisher;
    private final DeviceConnections connections;
    private final JsonMapper json;
    private final Gateways gateways;
    private final org.springframework.beans.factory.ObjectProvider<DeviceTemplates> templates;

    DeviceService(DeviceRepository devices, EventRepository events, StatsRepository stats, DevicePatcher patcher,
            SiteService sites, DeviceTypeService types, AuditService audit, Clock clock,
            org.springframework.context.ApplicationEventPublisher publisher, DeviceConnections connections,
            JsonMapper json, Gateways gateways,
            org.springframework.beans.factory.ObjectProvider<DeviceTemplates> templates) {
        this.json = json;
        this.gateways = gateways;
        this.templates = templates;
        this.publisher = publisher;
        this.connections = connections;
        this.devices = devices;
        this.events = events;
        this.stats = stats;
        this.patcher = patcher;
        this.sites = sites;
        this.types = types;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public Device create(Caller caller, NewDevice in) {
        return create(caller, in, DeviceStatus.ACTIVE);
    }

    /** Creates a device in {@code status}: {@code active}, or {@code provisioning} for zero-touch bootstrap. */
    @Transactional
    public Device create(Caller caller, NewDevice in, DeviceStatus status) {
        UUID tenantId = caller.tenantId();
        Device d = validateNew(tenantId, in, status);
        if (d.serial() != null && devices.serialTaken(tenantId, d.serial(), null)) {
            throw serialTaken(d.serial());
        }
        try {
            devices.insertAll(tenantId, List.of(d));
        } catch (DuplicateKeyException e) {
            throw serialTaken(d.serial());
        }
        events.append(tenantId, List.of(new NewEvent(d.id(), DeviceEvent.CREATED, caller.actor(), null,
                d.registeredAt().toEpochMilli())));
        stats.apply(tenantId, new StatsDelta().add(d, 1).deltas());
        audit.record(tenantId, caller, "device.create", "device", d.id().toString(), null);
        instantiate(caller, List.of(d));
        return d;
    }

    /** Gives devices just created from a template their sensors, transports, modules and initial shadow. */
    public void instantiate(Caller caller, List<Device> created) {
        for (Device d : created) {
            if (d.templateId() != null) {
                templates.getObject().instantiate(caller, d);
            }
        }
    }

    /**
     * Moves a device created from a template to version {@code version} of it (its latest when null), which must
     * be newer than the device's: metadata defaults the device lacks are added, required keys checked, and the
     * template feature brings its sensors, transports and modules along.
     */
    @Transactional
    public Device upgradeTemplate(Caller caller, UUID id, Integer version, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        Device cur = current(tenantId, id, expectedVersion);
        if (cur.templateId() == null) {
            throw new ApiException(ErrorCode.CONFLICT, "the device was not created from a template");
        }
        if (cur.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device cannot be changed");
        }
        DeviceTemplates.Applied t = templates.getObject().find(tenantId, cur.templateId(), version)
                .orElseThrow(() -> ApiException.notFound("template version"));
        if (t.version() <= cur.templateVersion()) {
            throw new ApiException(ErrorCode.CONFLICT, "the device already has template version "
                    + cur.templateVersion() + "; an upgrade goes to a newer one");
        }
        Map<String, Object> meta = new LinkedHashMap<>(t.metadataDefaults());
        meta.putAll(cur.metadata());
        Violations v = new Violations();
        meta = DeviceRules.metadata(v, meta);
        DeviceRules.requiredMetadata(v, cur.deviceType(), t.requiredMetadata(), meta);
        v.throwIfAny();
        Device next = cur.withTemplate(t.id(), t.version(), meta, Times.now(clock));
        write(tenantId, cur, next, false, !meta.equals(cur.metadata()));
        String details = "{\"fields\":[\"template_version\"],\"from\":" + cur.templateVersion() + ",\"to\":"
                + t.version() + "}";
        events.append(tenantId, List.of(new NewEvent(id, DeviceEvent.UPDATED, caller.actor(), details,
                next.updatedAt().toEpochMilli())));
        audit.record(tenantId, caller, "device.template_upgrade", "device", id.toString(), details);
        templates.getObject().upgrade(caller, next, cur.templateVersion());
        return next;
    }

    /** Whether the tenant has a template {@code templateId}. */
    public boolean templateExists(UUID tenantId, UUID templateId) {
        return templateOrNull(tenantId, templateId) != null;
    }

    /** The latest version of a template, or null when the tenant has none such. */
    DeviceTemplates.Applied templateOrNull(UUID tenantId, UUID templateId) {
        return templates.getObject().find(tenantId, templateId, null).orElse(null);
    }

    /** Up to {@code limit} ids of the devices whose gateway is {@code id}, in id order. */
    /**
     * Whether {@code child} is an active child of {@code gateway}: for an external broker's authorization hook,
     * which knows the gateway by its client id but not its tenant (a gateway is always of its children's tenant).
     */
    public boolean isActiveChild(UUID gateway, UUID child) {
        return devices.isActiveChild(gateway, child);
    }

    public List<UUID> children(UUID tenantId, UUID id, int limit) {
        get(tenantId, id);
        return devices.children(tenantId, id, limit);
    }

    /** The gateway of a device (null when it has none or does not exist). */
    public UUID parentOf(UUID tenantId, UUID id) {
        return devices.parentOf(tenantId, id);
    }

    /** How many devices were created from (or upgraded to) some version of the template. */
    public long countByTemplate(UUID tenantId, UUID templateId) {
        return devices.countByTemplate(tenantId, templateId);
    }

    /**
     * Validates a new device and gives it its server-owned fields. Throws {@code VALIDATION_FAILED}
     * listing every problem. Does not check serial uniqueness.
     */
    public Device validateNew(UUID tenantId, NewDevice in, DeviceStatus status) {
        return validateNew(tenantId, in, status, new Lookups() {
            @Override
            public DeviceTemplates.Applied template(UUID id) {
                return templates.getObject().find(tenantId, id, null).orElse(null);
            }

            @Override
            public java.util.List<String> requiredMetadata(String type) {
                return types.requiredMetadata(tenantId, type);
            }

            @Override
            public boolean siteExists(UUID site) {
                return sites.exists(tenantId, site);
            }
        });
    }

    /** Catalog look-ups used while validating; bulk import memoizes them. */
    public interface Lookups {
        java.util.List<String> requiredMetadata(String type);

        /** The latest version of a template, or null when there is none such. */
        DeviceTemplates.Applied template(UUID id);

        boolean siteExists(UUID site);
    }

    public Device validateNew(UUID tenantId, NewDevice in, DeviceStatus status, Lookups lookups) {
        Violations v = new Violations();
        DeviceTemplates.Applied template = null;
        if (in.templateId() != null) {
            template = lookups.template(in.templateId());
            if (template == null) {
                v.add("template_id", "no such template");
            } else {
                in = fromTemplate(v, in, template);
            }
        }
        DeviceRules.name(v, in.name());
        DeviceRules.type(v, in.deviceType());
        DeviceRules.serial(v, in.serial());
        DeviceRules.versionText(v, "firmware_version", in.firmwareVersion());
        DeviceRules.versionText(v, "hardware_revision", in.hardwareRevision());
        DeviceRules.icon(v, in.icon(), in.iconColor());
        List<String> tags = DeviceRules.tags(v, in.tags());
        var metadata = DeviceRules.metadata(v, in.metadata());
        if (in.deviceType() != null && v.isEmpty()) {
            DeviceRules.requiredMetadata(v, in.deviceType(), lookups.requiredMetadata(in.deviceType()), metadata);
            if (template != null) {
                DeviceRules.requiredMetadata(v, in.deviceType(), template.requiredMetadata(), metadata);
            }
        }
        if (in.site() != null && !lookups.siteExists(in.site())) {
            v.add("site", "no such site");
        }
        if (in.parentDeviceId() != null) {
            gateways.checkParent(v, tenantId, null, in.parentDeviceId());
        }
        v.throwIfAny();
        Instant now = Times.now(clock);
        return new Device(Ids.newId(clock), in.name(), in.deviceType(), in.serial(), status, "NO_IDENTITY", DeviceHealth.OFFLINE,
                in.firmwareVersion(),
                in.hardwareRevision(), in.site(), in.icon(), in.iconColor(), tags, metadata, now, null, now, 1,
                template == null ? null : template.id(), template == null ? null : template.version(),
                in.parentDeviceId());
    }

    /** The template's type when the device names none, its metadata defaults under the device's own values. */
    private static NewDevice fromTemplate(Violations v, NewDevice in, DeviceTemplates.Applied t) {
        String type = in.deviceType();
        if (type == null) {
            type = t.deviceType();
        } else if (!type.equals(t.deviceType())) {
            v.add("device_type", "the template makes devices of type '" + t.deviceType() + "'");
        }
        Map<String, Object> meta = new LinkedHashMap<>(t.metadataDefaults());
        if (in.metadata() != null) {
            meta.putAll(in.metadata());
        }
        return new NewDevice(in.name(), type, in.serial(), in.tags(), meta, in.firmwareVersion(),
                in.hardwareRevision(), in.site(), in.icon(), in.iconColor(), in.templateId(), in.parentDeviceId());
    }

    public boolean exists(UUID tenantId, UUID id) {
        return devices.find(tenantId, id).isPresent();
    }

    /**
     * A query for up to {@code limit} ids of devices matching {@code condition} (all when null) with ids above
     * {@code after} (from the start when null), in id order; with {@code registeredBy}, only devices registered
     * at or before it. For a caller that runs the page inside its own statement (job targeting): see
     * {@link DeviceIdQuery} for what it may rely on.
     */
    public DeviceIdQuery matchingIdsQuery(UUID tenantId, DeviceCondition condition, UUID after,
            Instant registeredBy, int limit) {
        return devices.matchingIdsQuery(tenantId, condition, after, registeredBy == null ? null
                : registeredBy.toEpochMilli(), limit);
    }

    /**
     * The device type of each existing device among {@code ids} (a {@code null} value: the device has none); a
     * device absent from the map does not exist. Cheaper than {@link #get} per device: one statement, no
     * metadata or tags parsed.
     */
    public Map<UUID, String> deviceTypes(UUID tenantId, Collection<UUID> ids) {
        return devices.types(tenantId, ids);
    }

    public Device get(UUID tenantId, UUID id) {
        return devices.find(tenantId, id).orElseThrow(() -> ApiException.notFound("device"));
    }

    /** The device's lifecycle status, for paths that need no more (device authentication); 404 when none. */
    public DeviceStatus status(UUID tenantId, UUID id) {
        return devices.status(tenantId, id).orElseThrow(() -> ApiException.notFound("device"));
    }

    public Page<Device> list(UUID tenantId, DeviceFilter filter, String cursor, int limit) {
        if (filter.connected() != null) {
            DeviceCondition live = connections.connected(tenantId, DeviceConditions.DEVICE_ID);
            DeviceCondition wanted = filter.connected() ? live : DeviceCondition.not(live);
            filter = new DeviceFilter(filter.type(), filter.status(), filter.site(), filter.tags(), filter.metadata(),
                    filter.firmware(), filter.serialPrefix(), filter.lastSeenFrom(), filter.lastSeenTo(),
                    filter.sort(), filter.identityStatus(), DeviceCondition.and(filter.condition(), wanted), null);
        }
        DeviceListQuery q = new DeviceListQuery(tenantId, filter, cursor, limit);
        return Page.of(devices.query(q.sql(), q.params()), limit, q::cursorOf);
    }

    /** Applies a JSON Merge Patch (RFC 7396) to the writable fields. */
    @Transactional
    public Device patch(Caller caller, UUID id, tools.jackson.databind.JsonNode patch,
            Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        Device cur = current(tenantId, id, expectedVersion);
        if (cur.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device cannot be changed");
        }
        DevicePatcher.Result r = patcher.apply(tenantId, cur, patch, Times.now(clock));
        if (r.changed().isEmpty()) {
            return cur;
        }
        Device next = r.device();
        if (r.changed().contains("serial") && next.serial() != null
                && devices.serialTaken(tenantId, next.serial(), id)) {
            throw serialTaken(next.serial());
        }
        write(tenantId, cur, next, r.changed().contains("tags"), r.changed().contains("metadata"));
        events.append(tenantId, List.of(new NewEvent(id, DeviceEvent.UPDATED, caller.actor(),
                "{\"fields\":" + quoted(r.changed()) + "}", next.updatedAt().toEpochMilli())));
        audit.record(tenantId, caller, "device.update", "device", id.toString(), "{\"fields\":" + quoted(r.changed())
                + "}");
        return next;
    }

    /**
     * The first authenticated contact of a {@code provisioning} device with its operational credential
     * makes it {@code active}; any other status is left alone. Returns the device as it is afterwards.
     */
    @Transactional
    public Device activateOnFirstContact(UUID tenantId, UUID id, String actor) {
        Device cur = get(tenantId, id);
        if (cur.status() != DeviceStatus.PROVISIONING) {
            return cur;
        }
        return transition(new Caller(tenantId, actor, io.fleetkeeper.tenancy.Role.OPERATOR), id, null,
                DeviceStatus.ACTIVE, EnumSet.of(DeviceStatus.PROVISIONING), "device.activate");
    }

    @Transactional
    public Device suspend(Caller caller, UUID id, Long expectedVersion) {
        return transition(caller, id, expectedVersion, DeviceStatus.SUSPENDED,
                EnumSet.of(DeviceStatus.ACTIVE, DeviceStatus.PROVISIONING), "device.suspend");
    }

    @Transactional
    public Device resume(Caller caller, UUID id, Long expectedVersion) {
        return transition(caller, id, expectedVersion, DeviceStatus.ACTIVE,
                EnumSet.of(DeviceStatus.SUSPENDED), "device.resume");
    }

    @Transactional
    public Device decommission(Caller caller, UUID id, Long expectedVersion) {
        return decommission(caller, id, expectedVersion, null);
    }

    /** Decommissions with an optional reason, kept in the {@code DECOMMISSIONED} event and the audit entry. */
    @Transactional
    public Device decommission(Caller caller, UUID id, Long expectedVersion, String reason) {
        Violations v = new Violations();
        DeviceRules.reason(v, reason);
        v.throwIfAny();
        return transition(caller, id, expectedVersion, DeviceStatus.DECOMMISSIONED,
                EnumSet.of(DeviceStatus.PROVISIONING, DeviceStatus.ACTIVE, DeviceStatus.SUSPENDED),
                "device.decommission", reason);
    }

    /** Deletes the device and its history for good; the audit log keeps the record of the purge. */
    @Transactional
    public void purge(Caller caller, UUID id, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        Device cur = current(tenantId, id, expectedVersion);
        publisher.publishEvent(new DeviceRetiring(tenantId, id, caller, true));
        devices.delete(tenantId, id);
        stats.apply(tenantId, new StatsDelta().add(cur, -1).deltas());
        audit.record(tenantId, caller, "device.purge", "device", id.toString(),
                "{\"name\":" + quoted(List.of(cur.name())) + "}");
        publisher.publishEvent(new DeviceEventsRecorded(tenantId, List.of(new NewDeviceEvent(id,
                DeviceEventsRecorded.PURGED, caller.actor(), null, Times.now(clock)))));
        var purged = new DeviceStatusChanged(tenantId, id, null);
        io.fleetkeeper.store.AfterCommit.run(() -> publisher.publishEvent(purged));
    }

    /** Appends an event to a device's history (used by other features, e.g. PKI and provisioning). */
    @Transactional
    public void recordEvent(UUID tenantId, UUID deviceId, String type, String actor, String detailsJson) {
        events.append(tenantId, List.of(new NewEvent(deviceId, type, actor, detailsJson, clock.millis())));
    }

    /**
     * Appends a {@link DeviceEvent#PROVISIONED} event unless the device's history already has one: a device is
     * provisioned once, whichever path binds its first identity.
     */
    @Transactional
    public void recordProvisioned(UUID tenantId, UUID deviceId, String actor, String detailsJson) {
        if (!events.exists(tenantId, deviceId, DeviceEvent.PROVISIONED)) {
            recordEvent(tenantId, deviceId, DeviceEvent.PROVISIONED, actor, detailsJson);
        }
    }

    /**
     * Appends events to devices' histories in one batch (used by connectivity for CONNECTED and DISCONNECTED).
     * Events of devices that no longer exist (purged meanwhile) are dropped.
     */
    @Transactional
    public void recordEvents(UUID tenantId, List<NewDeviceEvent> batch) {
        events.appendIfDeviceExists(tenantId, batch.stream().map(e -> new NewEvent(e.deviceId(), e.type(), e.actor(),
                e.details(), e.at().toEpochMilli())).toList());
    }

    /**
     * Records when devices were last seen (epoch milliseconds by device id), in one batch: each
     * {@code last_seen_at} becomes the later of its stored value and the given one. Not a change of the
     * device: neither its version nor {@code updated_at} moves. Unknown devices are ignored.
     */
    @Transactional
    public void touchLastSeen(UUID tenantId, java.util.Map<UUID, Long> lastSeen) {
        devices.touchLastSeen(tenantId, lastSeen);
    }

    /** Sets the identity status derived from the device's identity certificate and moves the counts. */
    @Transactional
    public void setIdentityStatus(UUID tenantId, UUID deviceId, String status) {
        String before = devices.setIdentityStatus(tenantId, deviceId, status);
        if (before != null && !before.equals(status)) {
            stats.apply(tenantId, java.util.Map.of("identity\n" + before, -1L, "identity\n" + status, 1L));
        }
    }

    /** A device's history, newest first. */
    public Page<DeviceEvent> events(UUID tenantId, UUID id, String cursor, int limit) {
        return events(tenantId, id, Set.of(), cursor, limit);
    }

    /**
     * A device's history, newest first; only events of the given types when {@code types} is not empty (each a
     * name of {@link DeviceEvent#TYPES} or a deprecated former name, which matches its current name too).
     */
    public Page<DeviceEvent> events(UUID tenantId, UUID id, Set<String> types, String cursor, int limit) {
        return events(tenantId, id, types, null, cursor, limit);
    }

    /** As {@link #events(UUID, UUID, Set, String, int)}; with {@code slot}, only the events of that certificate slot. */
    public Page<DeviceEvent> events(UUID tenantId, UUID id, Set<String> types, String slot, String cursor,
            int limit) {
        if (slot != null && !slot.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "slot: not a slot name");
        }
        Set<String> stored = new java.util.TreeSet<>();
        for (String type : types) {
            Set<String> names = DeviceEvent.storedNames(type);
            if (names == null) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "type: unknown event type '" + type + "'");
            }
            stored.addAll(names);
        }
        get(tenantId, id);
        Cursor c = Cursor.decode(cursor, "event");
        Long before = c == null ? null : parseLong(c.id());
        return Page.of(events.list(tenantId, id, before, stored, slot, limit + 1), limit,
                e -> new Cursor("event", null, Long.toString(e.id())));
    }

    /**
     * A device's history between {@code from} (inclusive) and {@code to} (exclusive), each optional, newest
     * first.
     */
    public Page<DeviceEvent> eventsBetween(UUID tenantId, UUID id, Instant from, Instant to, String cursor,
            int limit) {
        get(tenantId, id);
        Cursor c = Cursor.decode(cursor, "event");
        Long before = c == null ? null : parseLong(c.id());
        return Page.of(events.list(tenantId, id, before, Set.of(), null, from == null ? null : from.toEpochMilli(),
                to == null ? null : to.toEpochMilli(), limit + 1), limit,
                e -> new Cursor("event", null, Long.toString(e.id())));
    }

    /** Fields whose counts per value are maintained (see {@link #countsBy}), by their fleet-query name. */
    public static final Set<String> COUNTED_FIELDS = Set.of("type", "status", "site",
            "identity_status", "health", "firmware");

    /**
     * Exact counts of all the tenant's devices per value of a field in {@link #COUNTED_FIELDS} (devices without
     * a value under a null key; status values in their wire form), read from the maintained counters instead of
     * the devices: constant time in the fleet's size.
     */
    public Map<String, Long> countsBy(UUID tenantId, String field) {
        return stats.counts(tenantId, switch (field) {
            case "identity_status" -> "identity";
            case "type", "status", "site", "firmware", "health" -> field;
            default -> throw new IllegalArgumentException("no maintained counts for " + field);
        });
    }

    public DeviceStats stats(UUID tenantId) {
        return stats.read(tenantId).withConnected(connections.connectedCount(tenantId));
    }

    private Device transition(Caller caller, UUID id, Long expectedVersion, DeviceStatus to,
            Set<DeviceStatus> from, String action) {
        return transition(caller, id, expectedVersion, to, from, action, null);
    }

    private Device transition(Caller caller, UUID id, Long expectedVersion, DeviceStatus to,
            Set<DeviceStatus> from, String action, String reason) {
        UUID tenantId = caller.tenantId();
        Device cur = current(tenantId, id, expectedVersion);
        if (!from.contains(cur.status())) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION,
                    "cannot go from " + cur.status().wire() + " to " + to.wire());
        }
        Device next = cur.withStatus(to, Times.now(clock));
        write(tenantId, cur, next, false, false);
        if (to == DeviceStatus.DECOMMISSIONED) {
            publisher.publishEvent(new DeviceRetiring(tenantId, id, caller, false));
        }
        String type = to == DeviceStatus.DECOMMISSIONED ? DeviceEvent.DECOMMISSIONED : DeviceEvent.STATUS_UPDATED;
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("from", cur.status().wire());
        fields.put("to", to.wire());
        if (reason != null) {
            fields.put("reason", reason);
        }
        String details = json.writeValueAsString(fields);
        events.append(tenantId, List.of(new NewEvent(id, type, caller.actor(), details,
                next.updatedAt().toEpochMilli())));
        audit.record(tenantId, caller, action, "device", id.toString(), details);
        var changed = new DeviceStatusChanged(tenantId, id, to);
        io.fleetkeeper.store.AfterCommit.run(() -> publisher.publishEvent(changed));
        return next;
    }

    private Device current(UUID tenantId, UUID id, Long expectedVersion) {
        Device cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "device has changed; its current ETag is \"" + cur.version() + "\"");
        }
        return cur;
    }

    private void write(UUID tenantId, Device cur, Device next, boolean tags, boolean meta) {
        boolean ok;
        try {
            ok = devices.update(tenantId, next, cur.version(), tags, meta);
        } catch (DuplicateKeyException e) {
            throw serialTaken(next.serial());
        }
        if (!ok) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "device changed concurrently; read it again");
        }
        stats.apply(tenantId, new StatsDelta().change(cur, next).deltas());
    }

    public static ApiException serialTaken(String serial) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "another device has serial '" + serial + "'",
                List.of(new ApiException.FieldError("serial", "is already used by another device")));
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
        }
    }

    private static String quoted(java.util.Collection<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (String v : values) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }
}
