package io.fleetkeeper.template;

import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What a template version says about the devices made from it; stored as JSON, one row per version.
 *
 * @param metadataDefaults metadata a new device gets unless its creator gives the key
 * @param requiredMetadata keys every device of the template must carry
 * @param shadowDesired    the classic shadow's initial desired section
 * @param shadowSchemas    JSON Schemas of the shadow sections, set on the template's device type
 */
public record TemplateSpec(Map<String, Object> metadataDefaults, List<String> requiredMetadata,
        @Nullable JsonNode shadowDesired, @Nullable Schemas shadowSchemas, List<Sensor> sensors, List<Module> modules,
        List<Transport> transports) {

    /** JSON Schemas (draft 2020-12) of the {@code desired} and {@code reported} sections; either may be null. */
    public record Schemas(@Nullable JsonNode desired, @Nullable JsonNode reported) {
    }

    /**
     * A measured quantity: {@code dataType} number, integer, boolean or string; {@code min}/{@code max} the valid
     * range of numbers; {@code expectedInterval} seconds between two readings.
     */
    public record Sensor(String key, @Nullable String name, @Nullable String unit, String dataType,
            @Nullable Double min, @Nullable Double max, @Nullable Long expectedInterval) {
    }

    /** A slot for a module of {@code kind}; {@code firmware} an optional constraint such as {@code >=1.2}. */
    public record Module(String slot, String kind, @Nullable String firmware) {
    }

    /** How the device talks: {@code kind} mqtt, https, cellular, lorawan or other; {@code settings} no secrets. */
    public record Transport(String kind, @Nullable JsonNode settings) {
    }
}
