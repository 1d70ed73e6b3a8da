package io.fleetkeeper.template;

import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceRetiring;
import io.fleetkeeper.device.DeviceShadows;
import io.fleetkeeper.device.DeviceTemplates;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.template.internal.InstanceRepository;
import io.fleetkeeper.template.internal.SensorDefinitions;
import io.fleetkeeper.template.internal.TemplateConditions;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * How templates reach devices: the device feature asks it for a template's defaults while it creates or upgrades a
 * device, and it gives the device its sensors and transports and its initial desired shadow. Module slots are not
 * filled: a module is assigned when it is fitted.
 */
@Component
class TemplateInstantiator implements DeviceTemplates {

    private final TemplateService templates;
    private final InstanceRepository instances;
    private final ShadowService shadows;
    private final JsonMapper json;
    private final Clock clock;
    private final SensorDefinitions definitions;

    TemplateInstantiator(TemplateService templates, InstanceRepository instances, ShadowService shadows,
            JsonMapper json, Clock clock, SensorDefinitions definitions) {
        this.definitions = definitions;
        this.templates = templates;
        this.instances = instances;
        this.shadows = shadows;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public Optional<Applied> find(UUID tenantId, UUID templateId, Integer version) {
        return templates.find(tenantId, templateId, version).map(t -> new Applied(t.id(), t.version(), t.deviceType(),
                t.metadataDefaults(), t.requiredMetadata()));
    }

    @Override
    public DeviceCondition template(UUID tenantId, String templateId, DeviceShadows.Comparison comparison,
            List<Object> values) {
        return TemplateConditions.template(tenantId, templateId, comparison, values);
    }

    @Override
    public void instantiate(Caller caller, Device device) {
        UUID tenantId = caller.tenantId();
        Template t = templates.get(tenantId, device.templateId(), device.templateVersion());
        Instant now = Times.now(clock);
        for (TemplateSpec.Sensor s : t.sensors()) {
            instances.insertSensor(tenantId, sensor(device.id(), s, null, now));
        }
        for (TemplateSpec.Transport tr : t.transports()) {
            instances.insertTransport(tenantId, transport(device.id(), tr, now));
        }
        if (t.shadowDesired() != null && !t.shadowDesired().isEmpty()) {
            shadows.update(caller, device.id(), "", new ShadowUpdate("desired", t.shadowDesired(), null, null, null));
        }
    }

    @Override
    public void upgrade(Caller caller, Device device, int fromVersion) {
        UUID tenantId = caller.tenantId();
        Template from = templates.get(tenantId, device.templateId(), fromVersion);
        Template to = templates.get(tenantId, device.templateId(), device.templateVersion());
        Map<String, TemplateSpec.Sensor> before = from.sensors().stream()
                .collect(Collectors.toMap(TemplateSpec.Sensor::key, Function.identity()));
        Instant now = Times.now(clock);
        for (TemplateSpec.Sensor s : to.sensors()) {
            var cur = instances.sensor(tenantId, device.id(), s.key());
            if (cur.isEmpty()) {
                if (!before.containsKey(s.key())) {
                    instances.insertSensor(tenantId, sensor(device.id(), s, null, now));
                }
                // a sensor the device removed stays removed
            } else if (cur.get().fromTemplate() && !s.equals(before.get(s.key()))) {
                instances.updateSensor(tenantId, sensor(device.id(), s, cur.get(), now), cur.get().version());
            }
        }
        definitions.forget(device.id());
        var kinds = from.transports().stream().map(TemplateSpec.Transport::kind).collect(Collectors.toSet());
        for (TemplateSpec.Transport tr : to.transports()) {
            if (!kinds.contains(tr.kind()) && instances.transport(tenantId, device.id(), tr.kind()).isEmpty()) {
                instances.insertTransport(tenantId, transport(device.id(), tr, now));
            }
        }
    }

    /** A template's sensor on a device, keeping the device's overrides from {@code cur} when there is one. */
    private static DeviceSensor sensor(UUID deviceId, TemplateSpec.Sensor s, DeviceSensor cur, Instant now) {
        return new DeviceSensor(deviceId, s.key(), s.name(), s.unit(), s.dataType(), s.min(), s.max(),
                s.expectedInterval(), cur == null || cur.enabled(), cur == null ? null : cur.calibrationOffset(),
                cur == null ? null : cur.calibrationScale(), true, now, cur == null ? 1 : cur.version() + 1);
    }

    private DeviceTransport transport(UUID deviceId, TemplateSpec.Transport t, Instant now) {
        return new DeviceTransport(deviceId, t.kind(), t.settings() == null || t.settings().isNull()
                ? json.createObjectNode() : t.settings(), true, now, 1);
    }

    /** A purged device's instances go with it, in the purge's transaction. */
    @EventListener
    void onRetiring(DeviceRetiring e) {
        if (e.purged()) {
            instances.deleteAll(e.tenantId(), e.deviceId());
            definitions.forget(e.deviceId());
        }
    }
}
