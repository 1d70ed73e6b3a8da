package io.fleetkeeper.web;

import java.time.temporal.Temporal;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Says what is wrong with a JSON request body in the request's terms: which field, and which JSON type or
 * format it needs. Never Jackson's own message, which names Java classes.
 */
final class JsonBodyErrors {

    private JsonBodyErrors() {
    }

    static String describe(JacksonException e) {
        if (e instanceof StreamReadException && !(e instanceof MismatchedInputException)) {
            var at = e.getLocation();
            return at == null || at.getLineNr() < 0 ? "request body is not valid JSON"
                    : "request body is not valid JSON (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        String where = path(e);
        if (e instanceof InvalidFormatException f) {
            return where + " has the value " + quote(f.getValue()) + ", which is not " + expected(f.getTargetType());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return where + " must be " + expected(m.getTargetType());
        }
        return where + " has a value that cannot be accepted";
    }

    /** {@code field 'a.b[2]'}, or {@code request body} for the top level. */
    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "request body" : "field '" + path + "'";
    }

    private static String expected(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name().toLowerCase())
                    .collect(Collectors.joining(", "));
        }
        if (type == UUID.class) {
            return "a UUID string";
        }
        if (Temporal.class.isAssignableFrom(type)) {
            return "an RFC 3339 timestamp string";
        }
        if (type == String.class || CharSequence.class.isAssignableFrom(type) || type == char.class) {
            return "a string";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == int.class || type == long.class || type == short.class || type == Integer.class
                || type == Long.class || type == Short.class) {
            return "an integer";
        }
        if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        return "an object";
    }

    private static String quote(Object value) {
        String s = String.valueOf(value);
        return "'" + (s.length() > 64 ? s.substring(0, 64) + "…" : s) + "'";
    }
}
