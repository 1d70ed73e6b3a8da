package io.fleetkeeper.template;

import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** The body of {@code POST /templates} and {@code PUT /templates/{id}}: a whole template version. */
public record TemplateFields(String name, String deviceType, @Nullable String description,
        @Nullable Map<String, Object> metadataDefaults, @Nullable List<String> requiredMetadata,
        @Nullable JsonNode shadowDesired, @Nullable TemplateSpec.Schemas shadowSchemas,
        @Nullable List<TemplateSpec.Sensor> sensors, @Nullable List<TemplateSpec.Module> modules,
        @Nullable List<TemplateSpec.Transport> transports) {
}
