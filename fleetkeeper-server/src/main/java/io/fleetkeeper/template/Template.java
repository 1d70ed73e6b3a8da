package io.fleetkeeper.template;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** One version of a device template; {@code version} is also its ETag. */
public record Template(UUID id, String name, String deviceType, @Nullable String description, int version,
        Map<String, Object> metadataDefaults, List<String> requiredMetadata, @Nullable JsonNode shadowDesired,
        @Nullable TemplateSpec.Schemas shadowSchemas, List<TemplateSpec.Sensor> sensors,
        List<TemplateSpec.Module> modules, List<TemplateSpec.Transport> transports, @Nullable String createdBy,
        Instant createdAt) {

    static Template of(UUID id, String name, String deviceType, String description, int version, TemplateSpec s,
            String createdBy, Instant createdAt) {
        return new Template(id, name, deviceType, description, version, s.metadataDefaults(), s.requiredMetadata(),
                s.shadowDesired(), s.shadowSchemas(), s.sensors(), s.modules(), s.transports(), createdBy, createdAt);
    }

    TemplateSpec spec() {
        return new TemplateSpec(metadataDefaults, requiredMetadata, shadowDesired, shadowSchemas, sensors, modules,
                transports);
    }
}
