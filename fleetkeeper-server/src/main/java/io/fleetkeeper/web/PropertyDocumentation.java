package io.fleetkeeper.web;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.oas.models.media.Schema;
import java.lang.annotation.Annotation;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springdoc.core.customizers.PropertyCustomizer;
import org.springframework.stereotype.Component;

/**
 * Types properties as the server writes them: a record component marked {@code @Nullable} (jakarta or
 * jspecify) may be {@code null}; a {@link JsonRawValue} component is embedded JSON, an object, not a string.
 */
@Component
class PropertyDocumentation implements PropertyCustomizer {

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Schema customize(Schema property, AnnotatedType type) {
        Annotation[] annotations = type.getCtxAnnotations();
        if (annotations == null || property == null) {
            return property;
        }
        Schema schema = property;
        if (has(annotations, JsonRawValue.class.getSimpleName())) {
            schema = new Schema<>().types(new LinkedHashSet<>(List.of("object")))
                    .description(property.getDescription());
        }
        if (has(annotations, "Nullable")) {
            schema = nullable(schema);
        }
        return schema;
    }

    private static boolean has(Annotation[] annotations, String simpleName) {
        for (Annotation a : annotations) {
            if (a.annotationType().getSimpleName().equals(simpleName)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static Schema nullable(Schema schema) {
        if (schema.get$ref() != null) {
            return new Schema<>().oneOf(List.of(schema, new Schema<>().types(new LinkedHashSet<>(List.of("null")))));
        }
        Set<String> types = new LinkedHashSet<>();
        if (schema.getTypes() != null) {
            types.addAll(schema.getTypes());
        } else if (schema.getType() != null) {
            types.add(schema.getType());
        }
        types.add("null");
        schema.setTypes(types);
        return schema;
    }
}
