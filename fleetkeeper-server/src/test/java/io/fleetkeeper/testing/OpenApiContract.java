package io.fleetkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.net.URI;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks real responses against the OpenAPI document the server serves, with Atlassian's
 * swagger-request-validator: documented path and status, content type, and the body's schema.
 */
public final class OpenApiContract {

    private final OpenApiInteractionValidator validator;

    public OpenApiContract(String document) {
        this.validator = OpenApiInteractionValidator.createForInlineApiSpecification(asOpenApi30(document)).build();
    }

    /**
     * The validator checks types only in OpenAPI 3.0 documents (it reads 3.1's {@code type} arrays as no type
     * at all), so the served 3.1 document is restated in 3.0 terms: {@code type: [t, "null"]} becomes
     * {@code type: t, nullable: true}. A free-form {@code type: object} (a shadow's state, an event's details)
     * says {@code additionalProperties: true} outright, since the validator otherwise treats every object as
     * closed (which is what catches an undocumented or misnamed property elsewhere).
     */
    static String asOpenApi30(String document) {
        ObjectNode root = (ObjectNode) Api.JSON.readTree(document);
        root.put("openapi", "3.0.3");
        restate(root);
        return root.toString();
    }

    private static void restate(JsonNode node) {
        if (node instanceof ObjectNode object) {
            JsonNode type = object.get("type");
            if (type != null && type.isArray()) {
                List<String> types = type.valueStream().map(JsonNode::asString).filter(t -> !t.equals("null")).toList();
                if (types.size() != 1) {
                    throw new IllegalStateException("cannot restate type " + type + " in OpenAPI 3.0");
                }
                object.put("type", types.getFirst());
                if (type.size() > 1) {
                    object.put("nullable", true);
                }
            }
            if ("object".equals(object.path("type").asString(null)) && !object.has("properties")
                    && !object.has("additionalProperties")) {
                object.put("additionalProperties", true);
            }
            object.values().forEach(OpenApiContract::restate);
        } else if (node instanceof ArrayNode array) {
            array.values().forEach(OpenApiContract::restate);
        }
    }

    /** Asserts the reply is what the document promises for its request; returns it. */
    public Reply assertConforms(Reply reply) {
        assertThat(violations(reply)).isEmpty();
        return reply;
    }

    /** How the reply departs from what the document promises for its request (empty: it conforms). */
    public List<String> violations(Reply reply) {
        String[] request = reply.request().split(" ", 2);
        String path = URI.create(request[1]).getRawPath();
        SimpleResponse.Builder response = SimpleResponse.Builder.status(reply.status());
        for (Map.Entry<String, List<String>> h : reply.headers().map().entrySet()) {
            response.withHeader(h.getKey(), h.getValue());
        }
        if (!reply.body().isEmpty()) {
            response.withBody(reply.body());
        }
        ValidationReport report = validator.validateResponse(path, Request.Method.valueOf(request[0]),
                response.build());
        return report.getMessages().stream().map(m -> reply.request() + " -> " + reply.status() + ": "
                + m.getMessage()).toList();
    }
}
