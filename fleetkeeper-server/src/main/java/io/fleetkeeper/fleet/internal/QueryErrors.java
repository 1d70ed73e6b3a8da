package io.fleetkeeper.fleet.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code 400 INVALID_QUERY} problems carrying the character offset and, when known, what was expected. */
final class QueryErrors {

    private QueryErrors() {
    }

    /** "expected X, found Y" at {@code position}. */
    public static ApiException expected(int position, String expected, String found) {
        return problem(position, "expected " + expected + ", found " + found, expected);
    }

    /** Any other mistake at {@code position}. */
    public static ApiException at(int position, String message) {
        return problem(position, message, null);
    }

    private static ApiException problem(int position, String message, String expected) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("position", position);
        if (expected != null) {
            props.put("expected", expected);
        }
        return new ApiException(ErrorCode.INVALID_QUERY, "invalid query at position " + position + ": " + message,
                props);
    }
}
