package io.fleetkeeper.device;

import io.fleetkeeper.tenancy.Caller;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the registry asks about device templates while it creates or upgrades a device. The template feature
 * provides it, so the device feature neither reads the template tables nor depends on that feature.
 */
public interface DeviceTemplates {

    /**
     * A template version as device creation applies it.
     *
     * @param metadataDefaults metadata a device gets unless its creator gives the key
     * @param requiredMetadata keys a device of the template must carry (besides its type's)
     */
    record Applied(UUID id, int version, String deviceType, Map<String, Object> metadataDefaults,
            List<String> requiredMetadata) {
    }

    /** Version {@code version} of a template (its latest when null), or empty when the tenant has none such. */
    Optional<Applied> find(UUID tenantId, UUID templateId, Integer version);

    /**
     * A condition that holds when the SQL expression {@code templateId} (a device's template id column) names a
     * template of the tenant whose current name, or whose id, is one of {@code values} (strings; EQ or IN). Never
     * SQL NULL: a device without a template does not match, and {@code NOT (…)} is its exact complement. It names
     * only the template feature's tables and binds every value.
     *
     * @throws IllegalArgumentException when the comparison or a value is outside these rules
     */
    DeviceCondition template(UUID tenantId, String templateId, DeviceShadows.Comparison comparison,
            List<Object> values);

    /**
     * Gives a device just created from a template its instances (sensors, transports, modules) and its initial
     * shadow, in the caller's transaction.
     */
    void instantiate(Caller caller, Device device);

    /**
     * Brings a device's instances from template version {@code fromVersion} to the device's (newer) version: adds
     * what the new version adds, updates the definitions it changes and keeps the device's own overrides.
     */
    void upgrade(Caller caller, Device device, int fromVersion);
}
