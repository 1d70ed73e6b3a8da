package io.fleetkeeper.template;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.template.InstanceService.Put;
import io.fleetkeeper.template.internal.InstanceRepository;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Modules fitted in a device's slots: assign, replace, remove, each with an audit entry and a device event
 * ({@code MODULE-ASSIGNED}, {@code MODULE-REPLACED}, {@code MODULE-REMOVED}). A device made from a template takes
 * modules only in the template's slots, of the slot's kind, with firmware that meets the slot's constraint.
 */
@Service
public class ModuleService {

    /** What a caller supplies to fit a module. */
    public record ModuleFields(String kind, String serial, String firmwareVersion) {
    }

    private final InstanceRepository instances;
    private final InstanceService devicesInstances;
    private final DeviceService devices;
    private final TemplateService templates;
    private final AuditService audit;
    private final JsonMapper json;
    private final Clock clock;

    ModuleService(InstanceRepository instances, InstanceService devicesInstances, DeviceService devices,
            TemplateService templates, AuditService audit, JsonMapper json, Clock clock) {
        this.instances = instances;
        this.devicesInstances = devicesInstances;
        this.devices = devices;
        this.templates = templates;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    public List<DeviceModule> modules(UUID tenantId, UUID deviceId) {
        devices.get(tenantId, deviceId);
        return instances.modules(tenantId, deviceId);
    }

    /** Assigns a module to an empty slot, or replaces the one there. */
    @Transactional
    public Put<DeviceModule> put(Caller caller, UUID deviceId, String slot, ModuleFields in, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        Device d = devicesInstances.writable(tenantId, deviceId);
        Violations v = new Violations();
        TemplateRules.slot(v, "slot", slot);
        TemplateRules.kind(v, "kind", in == null ? null : in.kind());
        if (in != null) {
            v.maxLength("serial", in.serial(), 128);
            v.maxLength("firmware_version", in.firmwareVersion(), 64);
        }
        v.throwIfAny();
        if (d.templateId() != null) {
            fitsTemplate(v, tenantId, d, slot, in);
            v.throwIfAny();
        }
        Instant now = Times.now(clock);
        var cur = instances.module(tenantId, deviceId, slot);
        DeviceModule next;
        String event;
        if (cur.isPresent()) {
            InstanceService.expect(expectedVersion, cur.get().version(), "module");
            next = new DeviceModule(deviceId, slot, in.kind(), in.serial(), in.firmwareVersion(), now, now,
                    cur.get().version() + 1);
            if (!instances.updateModule(tenantId, next, cur.get().version())) {
                throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the module changed concurrently");
            }
            event = "MODULE-REPLACED";
        } else {
            if (expectedVersion != null) {
                throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the slot is empty");
            }
            next = new DeviceModule(deviceId, slot, in.kind(), in.serial(), in.firmwareVersion(), now, now, 1);
            try {
                instances.insertModule(tenantId, next);
            } catch (DuplicateKeyException e) {
                throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the slot was filled concurrently");
            }
            event = "MODULE-ASSIGNED";
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("slot", slot);
        details.put("kind", in.kind());
        details.put("serial", in.serial());
        if (cur.isPresent()) {
            details.put("previous_kind", cur.get().kind());
            details.put("previous_serial", cur.get().serial());
        }
        String text = json.writeValueAsString(details);
        devices.recordEvent(tenantId, deviceId, event, caller.actor(), text);
        audit.record(tenantId, caller, cur.isPresent() ? "device.module.replace" : "device.module.assign", "device",
                deviceId.toString(), text);
        return new Put<>(next, cur.isEmpty());
    }

    @Transactional
    public void remove(Caller caller, UUID deviceId, String slot) {
        UUID tenantId = caller.tenantId();
        devicesInstances.writable(tenantId, deviceId);
        var cur = instances.module(tenantId, deviceId, slot).orElseThrow(() -> ApiException.notFound("module"));
        instances.deleteModule(tenantId, deviceId, slot);
        String text = json.writeValueAsString(Map.of("slot", slot, "kind", cur.kind()));
        devices.recordEvent(tenantId, deviceId, "MODULE-REMOVED", caller.actor(), text);
        audit.record(tenantId, caller, "device.module.remove", "device", deviceId.toString(), text);
    }

    private void fitsTemplate(Violations v, UUID tenantId, Device d, String slot, ModuleFields in) {
        Template t = templates.get(tenantId, d.templateId(), d.templateVersion());
        var spec = t.modules().stream().filter(m -> m.slot().equals(slot)).findFirst();
        if (spec.isEmpty()) {
            v.add("slot", "the device's template has no slot '" + slot + "'");
            return;
        }
        if (!spec.get().kind().equals(in.kind())) {
            v.add("kind", "slot '" + slot + "' takes modules of kind '" + spec.get().kind() + "'");
        }
        String constraint = spec.get().firmware();
        if (constraint != null) {
            if (in.firmwareVersion() == null) {
                v.add("firmware_version", "slot '" + slot + "' needs firmware " + constraint);
            } else if (!TemplateRules.satisfies(constraint, in.firmwareVersion())) {
                v.add("firmware_version", "does not meet the slot's constraint " + constraint);
            }
        }
    }
}
