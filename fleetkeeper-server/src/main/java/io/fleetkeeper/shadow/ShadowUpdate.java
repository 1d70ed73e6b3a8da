package io.fleetkeeper.shadow;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One write to a shadow section, parsed from {@code {"state":{"desired"|"reported":{…}|null},"version"?,
 * "client_token"?}}.
 *
 * @param section         {@code desired} (operators) or {@code reported} (devices)
 * @param patch           merged into the section ({@code null} values delete keys); a JSON null clears it
 * @param expectedVersion the body's {@code version}: a mismatch answers 409 {@code VERSION_CONFLICT}
 * @param ifMatch         the {@code If-Match} version: a mismatch answers 412 {@code PRECONDITION_FAILED}
 */
public record ShadowUpdate(String section, JsonNode patch, Long expectedVersion, Long ifMatch, String clientToken) {

    private static final Set<String> FIELDS = Set.of("state", "version", "client_token");

    /**
     * Reads a request body for a writer that may write {@code section} only; the other section is refused with
     * 403 (devices do not write desired, operators do not write reported).
     */
    public static ShadowUpdate parse(JsonNode body, String section, Long ifMatch) {
        if (body == null || !body.isObject()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "a shadow update must be a JSON object");
        }
        for (String f : body.propertyNames()) {
            if (!FIELDS.contains(f)) {
                throw new ApiException(ErrorCode.UNKNOWN_FIELD, "field '" + f + "' is not a known field",
                        List.of(new ApiException.FieldError(f, "is not a known field (state, version, client_token)")));
            }
        }
        JsonNode state = body.get("state");
        if (state == null || !state.isObject()) {
            throw invalid("state", "is required and must be an object holding '" + section + "'");
        }
        String other = section.equals("desired") ? "reported" : "desired";
        for (String f : state.propertyNames()) {
            if (f.equals(other)) {
                throw new ApiException(ErrorCode.FORBIDDEN, section.equals("desired")
                        ? "operators cannot write state.reported: only the device reports its state"
                        : "devices cannot write state.desired: only operators set it");
            }
            if (!f.equals(section)) {
                throw invalid("state." + f, "is not a section (desired, reported)");
            }
        }
        JsonNode patch = state.get(section);
        if (patch == null || !(patch.isObject() || patch.isNull())) {
            throw invalid("state." + section, "is required and must be an object or null");
        }
        Long version = null;
        JsonNode v = body.get("version");
        if (v != null && !v.isNull()) {
            if (!v.isIntegralNumber() || v.asLong() < 0) {
                throw invalid("version", "must be a non-negative integer");
            }
            version = v.asLong();
        }
        String token = null;
        JsonNode t = body.get("client_token");
        if (t != null && !t.isNull()) {
            if (!t.isString() || t.asString().length() > 64) {
                throw invalid("client_token", "must be a string of at most 64 characters");
            }
            token = t.asString();
        }
        return new ShadowUpdate(section, patch, version, ifMatch, token);
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + " " + message,
                List.of(new ApiException.FieldError(field, message)));
    }
}
