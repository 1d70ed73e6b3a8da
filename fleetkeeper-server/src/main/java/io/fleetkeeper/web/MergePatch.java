package io.fleetkeeper.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reading an RFC 7396 JSON Merge Patch: a member that is absent leaves a field as it is, {@code null}
 * clears it, a value replaces it. Unknown and server-owned members are refused.
 */
public final class MergePatch {

    private static final Set<String> SERVER_OWNED = Set.of("id", "tenant_id", "status", "version", "registered_at",
            "last_seen_at", "updated_at", "created_at", "identity_status", "kind", "fingerprint");

    private final JsonNode patch;

    private MergePatch(JsonNode patch) {
        this.patch = patch;
    }

    /** Checks the patch is an object whose members are all in {@code writable}. */
    public static MergePatch of(JsonNode patch, Set<String> writable) {
        if (patch == null || !patch.isObject()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "a merge patch must be a JSON object");
        }
        for (String field : patch.propertyNames()) {
            if (writable.contains(field)) {
                continue;
            }
            if (SERVER_OWNED.contains(field)) {
                throw new ApiException(ErrorCode.READ_ONLY_FIELD, "field '" + field + "' is owned by the server",
                        List.of(new ApiException.FieldError(field, "is owned by the server and cannot be written")));
            }
            throw new ApiException(ErrorCode.UNKNOWN_FIELD, "field '" + field + "' is not a known field",
                    List.of(new ApiException.FieldError(field, "is not a known field")));
        }
        return new MergePatch(patch);
    }

    public boolean has(String field) {
        return patch.has(field);
    }

    public JsonNode get(String field) {
        return patch.get(field);
    }

    /** The patched value of a text field: {@code current} when absent, null when cleared. */
    public String text(Violations v, String field, String current) {
        if (!patch.has(field)) {
            return current;
        }
        JsonNode n = patch.get(field);
        if (n.isNull()) {
            return null;
        }
        if (!n.isString()) {
            v.add(field, "must be a string or null");
            return current;
        }
        return n.asString();
    }
}
