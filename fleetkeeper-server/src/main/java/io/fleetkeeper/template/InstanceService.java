package io.fleetkeeper.template;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.template.internal.InstanceRepository;
import io.fleetkeeper.template.internal.SensorDefinitions;
import io.fleetkeeper.template.internal.InstanceRepository.SensorFilter;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;

/** A device's sensors and transports, and the fleet-wide sensor listing. Modules: {@link ModuleService}. */
@Service
public class InstanceService {

    static final Set<String> SENSOR_WRITABLE = Set.of("name", "unit", "min", "max", "expected_interval", "enabled",
            "calibration_offset", "calibration_scale");

    private final InstanceRepository instances;
    private final DeviceService devices;
    private final AuditService audit;
    private final Clock clock;
    private final SensorDefinitions definitions;

    InstanceService(InstanceRepository instances, DeviceService devices, AuditService audit, Clock clock,
            SensorDefinitions definitions) {
        this.definitions = definitions;
        this.instances = instances;
        this.devices = devices;
        this.audit = audit;
        this.clock = clock;
    }

    public List<DeviceSensor> sensors(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        return instances.sensors(tenantId, deviceId);
    }

    public DeviceSensor sensor(UUID tenantId, UUID deviceId, String key) {
        devices.get(tenantId, deviceId);
        return instances.sensor(tenantId, deviceId, key).orElseThrow(() -> ApiException.notFound("sensor"));
    }

    /** Adds a sensor of the device's own (not from its template). */
    @Transactional
    public DeviceSensor addSensor(Caller caller, UUID deviceId, TemplateSpec.Sensor in) {
        UUID tenantId = caller.tenantId();
        writable(tenantId, deviceId);
        Violations v = new Violations();
        TemplateRules.sensor(v, "sensor", in, new HashSet<>());
        v.throwIfAny();
        if (instances.sensors(tenantId, deviceId).size() >= TemplateRules.MAX_SENSORS) {
            throw new ApiException(ErrorCode.CONFLICT, "a device has at most " + TemplateRules.MAX_SENSORS
                    + " sensors");
        }
        DeviceSensor s = new DeviceSensor(deviceId, in.key(), in.name(), in.unit(), in.dataType(), in.min(), in.max(),
                in.expectedInterval(), true, null, null, false, Times.now(clock), 1);
        if (instances.sensor(tenantId, deviceId, in.key()).isPresent()) {
            throw sensorExists(in.key());
        }
        try {
            instances.insertSensor(tenantId, s);
            definitions.forget(deviceId);
        } catch (DuplicateKeyException e) {
            throw sensorExists(in.key());
        }
        audit.record(tenantId, caller, "device.sensor.create", "device", deviceId.toString(),
                "{\"sensor\":\"" + in.key() + "\"}");
        return s;
    }

    /** Applies a JSON Merge Patch to a sensor's overrides and definition fields. */
    @Transactional
    public DeviceSensor patchSensor(Caller caller, UUID deviceId, String key, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        writable(tenantId, deviceId);
        DeviceSensor cur = instances.sensor(tenantId, deviceId, key)
                .orElseThrow(() -> ApiException.notFound("sensor"));
        expect(expectedVersion, cur.version(), "sensor");
        MergePatch mp = MergePatch.of(patch, SENSOR_WRITABLE);
        Violations v = new Violations();
        String name = mp.text(v, "name", cur.name());
        String unit = mp.text(v, "unit", cur.unit());
        Double min = number(v, mp, "min", cur.min());
        Double max = number(v, mp, "max", cur.max());
        Double offset = number(v, mp, "calibration_offset", cur.calibrationOffset());
        Double scale = number(v, mp, "calibration_scale", cur.calibrationScale());
        Double interval = number(v, mp, "expected_interval", cur.expectedInterval() == null ? null
                : cur.expectedInterval().doubleValue());
        boolean enabled = cur.enabled();
        if (mp.has("enabled")) {
            JsonNode e = mp.get("enabled");
            if (e.isBoolean()) {
                enabled = e.asBoolean();
            } else {
                v.add("enabled", "must be true or false");
            }
        }
        v.maxLength("name", name, TemplateRules.MAX_TEXT);
        v.maxLength("unit", unit, 32);
        TemplateRules.range(v, "sensor", cur.dataType(), min, max);
        Long seconds = interval == null ? null : interval.longValue();
        if (interval != null && interval != Math.floor(interval)) {
            v.add("expected_interval", "must be whole seconds");
        }
        TemplateRules.interval(v, "expected_interval", seconds);
        v.throwIfAny();
        DeviceSensor next = new DeviceSensor(deviceId, key, name, unit, cur.dataType(), min, max, seconds, enabled,
                offset, scale, cur.fromTemplate(), Times.now(clock), cur.version() + 1);
        if (!instances.updateSensor(tenantId, next, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the sensor changed concurrently; read it again");
        }
        definitions.forget(deviceId);
        audit.record(tenantId, caller, "device.sensor.update", "device", deviceId.toString(),
                "{\"sensor\":\"" + key + "\"}");
        return next;
    }

    @Transactional
    public void deleteSensor(Caller caller, UUID deviceId, String key) {
        UUID tenantId = caller.tenantId();
        writable(tenantId, deviceId);
        if (!instances.deleteSensor(tenantId, deviceId, key)) {
            throw ApiException.notFound("sensor");
        }
        definitions.forget(deviceId);
        audit.record(tenantId, caller, "device.sensor.delete", "device", deviceId.toString(),
                "{\"sensor\":\"" + key + "\"}");
    }

    /** Sensors across the fleet, by device then key; {@code devices} (a compiled fleet query) narrows them. */
    public Page<DeviceSensor> fleetSensors(UUID tenantId, String key, String dataType, String unit, Boolean enabled,
            DeviceCondition devicesCondition, String cursor, int limit) {
        if (dataType != null && !TemplateRules.DATA_TYPES.contains(dataType)) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER,
                    "data_type must be one of number, integer, boolean, string");
        }
        Cursor c = Cursor.decode(cursor, "sensor");
        var idQuery = devicesCondition == null ? null
                : devices.matchingIdsQuery(tenantId, devicesCondition, null, null, Integer.MAX_VALUE);
        var rows = instances.sensorPage(tenantId, new SensorFilter(key, dataType, unit, enabled, idQuery),
                c == null ? null : c.id(), c == null ? null : c.key(), limit + 1);
        return Page.of(rows, limit, s -> new Cursor("sensor", s.key(), s.deviceId().toString()));
    }

    public List<DeviceTransport> transports(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        return instances.transports(tenantId, deviceId);
    }

    /** Sets (creates or replaces) a transport of a device; {@code created} tells which. */
    @Transactional
    public Put<DeviceTransport> putTransport(Caller caller, UUID deviceId, String kind, JsonNode settings,
            Boolean enabled, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        writable(tenantId, deviceId);
        Violations v = new Violations();
        TemplateRules.transport(v, "transport", kind, settings);
        v.throwIfAny();
        JsonNode s = settings == null || settings.isNull() ? tools.jackson.databind.node.JsonNodeFactory.instance
                .objectNode() : settings;
        Instant now = Times.now(clock);
        var cur = instances.transport(tenantId, deviceId, kind);
        if (cur.isPresent()) {
            expect(expectedVersion, cur.get().version(), "transport");
            var next = new DeviceTransport(deviceId, kind, s, enabled == null || enabled, now,
                    cur.get().version() + 1);
            if (!instances.updateTransport(tenantId, next, cur.get().version())) {
                throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the transport changed concurrently");
            }
            audit.record(tenantId, caller, "device.transport.update", "device", deviceId.toString(),
                    "{\"kind\":\"" + kind + "\"}");
            return new Put<>(next, false);
        }
        if (expectedVersion != null) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the device has no " + kind + " transport");
        }
        var created = new DeviceTransport(deviceId, kind, s, enabled == null || enabled, now, 1);
        try {
            instances.insertTransport(tenantId, created);
        } catch (DuplicateKeyException e) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the transport was created concurrently");
        }
        audit.record(tenantId, caller, "device.transport.create", "device", deviceId.toString(),
                "{\"kind\":\"" + kind + "\"}");
        return new Put<>(created, true);
    }

    @Transactional
    public void deleteTransport(Caller caller, UUID deviceId, String kind) {
        UUID tenantId = caller.tenantId();
        writable(tenantId, deviceId);
        if (!instances.deleteTransport(tenantId, deviceId, kind)) {
            throw ApiException.notFound("transport");
        }
        audit.record(tenantId, caller, "device.transport.delete", "device", deviceId.toString(),
                "{\"kind\":\"" + kind + "\"}");
    }

    /** The result of a PUT: the resource and whether it was created (201) rather than replaced (200). */
    public record Put<T>(T value, boolean created) {
    }

    /** The device, which must exist in the tenant and not be decommissioned. */
    Device writable(UUID tenantId, UUID deviceId) {
        Device d = devices.get(tenantId, deviceId);
        if (d.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device cannot be changed");
        }
        return d;
    }

    static void expect(Long expected, long current, String what) {
        if (expected != null && expected != current) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "the " + what + " has changed; its current ETag is \"" + current + "\"");
        }
    }

    private static Double number(Violations v, MergePatch mp, String field, Double cur) {
        if (!mp.has(field)) {
            return cur;
        }
        JsonNode n = mp.get(field);
        if (n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            v.add(field, "must be a number, or null");
            return cur;
        }
        return n.asDouble();
    }

    private static ApiException sensorExists(String key) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "the device has a sensor '" + key + "'",
                List.of(new ApiException.FieldError("key", "is already used by another sensor of the device")));
    }
}
