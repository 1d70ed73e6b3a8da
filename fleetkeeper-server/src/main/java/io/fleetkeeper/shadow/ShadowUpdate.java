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
 * @param replace         {@code patch} replaces the section instead of being merged into it
 */
public record ShadowUpdate(String section, JsonNode patch, Long expectedVersion, Long ifMatch, String clientToken,
        boolean replace) {

    private static final Set<String> FIELDS = Set.of("state", "version", "client_token");
    private static final Set<String> REPORT_FIELDS = Set.of("reported", "version", "client_token");

    /** A merge into {@code section}. */
    public ShadowUpdate(String section, JsonNode patch, Long expectedVersion, Long ifMatch, String clientToken) {
        this(section, patch, expectedVersion, ifMatch, clientToken, false);
    }

    /** {@code PUT …/shadow/desired}: the body, a JSON object, becomes the whole desired section. */
    public static ShadowUpdate replaceDesired(JsonNode body, Long ifMatch) {
        if (body == null || !body.isObject()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST,
                    "the body is the new desired state: a JSON object ({} clears it)");
        }
        return new ShadowUpdate("desired", body, null, ifMatch, null, true);
    }

    /**
     * {@code POST …/shadow/reported}: {@code {"reported":{…},"version":n,"client_token"?}} merged into reported;
     * {@code version}, the version the writer last read, is required (a mismatch answers 409).
     */
    public static ShadowUpdate report(JsonNode body, Long ifMatch) {
        if (body == null || !body.isObject()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "a shadow report must be a JSON object");
        }
        for (String f : body.propertyNames()) {
            if (!REPORT_FIELDS.contains(f)) {
                throw new ApiException(ErrorCode.UNKNOWN_FIELD, "field '" + f + "' is not a known field",
                        List.of(new ApiException.FieldError(f, "is not a known field (reported, version, client_token)")));
            }
        }
        JsonNode reported = body.get("reported");
        if (reported == null || !reported.isObject()) {
            throw invalid("reported", "is required and must be an object");
        }
        Long version = version(body);
        if (version == null) {
            throw invalid("version", "is required: the shadow version this report builds on (0 before the first)");
        }
        return new ShadowUpdate("reported", reported, version, ifMatch, clientToken(body), false);
    }

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
        return new ShadowUpdate(section, patch, version(body), ifMatch, clientToken(body));
    }

    private static Long version(JsonNode body) {
        JsonNode v = body.get("version");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || v.asLong() < 0) {
            throw invalid("version", "must be a non-negative integer");
        }
        return v.asLong();
    }

    private static String clientToken(JsonNode body) {
        JsonNode t = body.get("client_token");
        if (t == null || t.isNull()) {
            return null;
        }
        if (!t.isString() || t.asString().length() > 64) {
            throw invalid("client_token", "must be a string of at most 64 characters");
        }
        return t.asString();
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + " " + message,
                List.of(new ApiException.FieldError(field, message)));
    }
}
