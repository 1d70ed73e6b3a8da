package io.fleetkeeper.web;

import io.fleetkeeper.api.ErrorCode;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.GlobalOpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * Documents the errors every operation can answer: the {@code Problem} schema (RFC 9457 plus our
 * {@code code}, {@code request_id} and {@code errors}) as {@code application/problem+json} under the usual
 * statuses and {@code default}.
 */
@Component
class ProblemDocumentation implements GlobalOpenApiCustomizer {

    static final String SCHEMA = "Problem";
    private static final String REF = "#/components/schemas/" + SCHEMA;

    @Override
    public void customise(OpenAPI api) {
        if (api.getComponents() == null) {
            api.setComponents(new Components());
        }
        api.getComponents().addSchemas(SCHEMA, problemSchema());
        if (api.getPaths() == null) {
            return;
        }
        for (PathItem item : api.getPaths().values()) {
            item.readOperationsMap().forEach((method, operation) -> document(method, operation));
        }
    }

    private static void document(PathItem.HttpMethod method, Operation operation) {
        if (operation.getResponses() == null) {
            operation.setResponses(new ApiResponses());
        }
        Map<String, String> errors = new LinkedHashMap<>();
        errors.put("400", "The request is malformed or invalid (VALIDATION_FAILED, MALFORMED_REQUEST, "
                + "INVALID_PARAMETER, ...)");
        errors.put("401", "No valid credential (UNAUTHENTICATED, TENANT_SUSPENDED)");
        errors.put("403", "The credential's role may not do this (FORBIDDEN)");
        errors.put("404", "No such resource in the caller's tenant, or no such endpoint (NOT_FOUND)");
        if (method != PathItem.HttpMethod.GET && method != PathItem.HttpMethod.HEAD) {
            errors.put("409", "Conflicts with the current state (CONFLICT, ALREADY_EXISTS, INVALID_TRANSITION, "
                    + "IN_USE, VERSION_CONFLICT)");
        }
        if (method == PathItem.HttpMethod.PATCH || method == PathItem.HttpMethod.PUT) {
            errors.put("412", "If-Match does not name the current version (PRECONDITION_FAILED)");
        }
        errors.put("default", "Any other error, as problem+json");
        errors.forEach((status, description) -> operation.getResponses().putIfAbsent(status, new ApiResponse()
                .description(description)
                .content(new Content().addMediaType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                        new MediaType().schema(new Schema<>().$ref(REF))))));
    }

    private static Schema<?> problemSchema() {
        Schema<?> fieldError = new ObjectSchema()
                .addProperty("field", new StringSchema())
                .addProperty("message", new StringSchema());
        List<String> codes = Arrays.stream(ErrorCode.values()).map(Enum::name).toList();
        StringSchema code = new StringSchema();
        code.setEnum(codes);
        return new ObjectSchema()
                .description("RFC 9457 problem details with a stable 'code'")
                .addProperty("type", new StringSchema().format("uri"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().format("uri-reference"))
                .addProperty("code", code.description("stable error code"))
                .addProperty("request_id", new StringSchema().description("the request's X-Request-Id"))
                .addProperty("errors", new ArraySchema().items(fieldError)
                        .description("one entry per invalid field (VALIDATION_FAILED, UNKNOWN_FIELD, ...)"))
                .addProperty("current_version", new IntegerSchema().format("int64")
                        .description("a shadow write's VERSION_CONFLICT or PRECONDITION_FAILED: the shadow's version"))
                .addProperty("actual_sha256", new StringSchema()
                        .description("DIGEST_MISMATCH: the SHA-256 the uploaded content has"))
                .addProperty("next_open", new StringSchema().format("date-time")
                        .description("MAINTENANCE_WINDOW_CLOSED: when the campaign's maintenance window opens next"))
                .required(List.of("type", "title", "status", "code"));
    }
}
