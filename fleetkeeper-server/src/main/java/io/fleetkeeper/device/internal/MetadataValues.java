package io.fleetkeeper.device.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Metadata values are JSON values of any type. In Java a value is one of: {@link String}, {@link Long} (an
 * integral number that fits), {@link Double} (any other finite number), {@link Boolean}, {@code null}, a
 * {@code Map<String, Object>} or a {@code List<Object>} of such values. {@link #normalize} brings what Jackson
 * or a caller hands in to that form, so two equal documents compare equal whichever way they were read.
 * The index rows of {@code device_metadata} keep the value's type, its text (the string itself, or the JSON
 * text of any other value) and, for numbers, the number as a double.
 */
public final class MetadataValues {

    public static final String STRING = "string";
    public static final String NUMBER = "number";
    public static final String BOOLEAN = "boolean";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private MetadataValues() {
    }

    /** A value of another kind than the JSON types, or a number out of range. */
    public static final class Unsupported extends IllegalArgumentException {
        Unsupported(String message) {
            super(message);
        }
    }

    /** The normal form of {@code value} (a Java value as Jackson reads it, or a {@link JsonNode}). */
    public static Object normalize(Object value) {
        return switch (value) {
            case null -> null;
            case JsonNode n -> fromNode(n);
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger i -> number(new BigDecimal(i));
            case BigDecimal d -> number(d);
            case Double d -> number(d);
            case Float f -> number(f.doubleValue());
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(v -> out.add(normalize(v)));
                yield out;
            }
            default -> throw new Unsupported("not a JSON value: " + value.getClass().getSimpleName());
        };
    }

    /** Every value of {@code metadata} in its normal form, in the map's order. */
    public static Map<String, Object> normalizeAll(Map<String, ?> metadata) {
        Map<String, Object> out = new LinkedHashMap<>();
        metadata.forEach((k, v) -> out.put(k, normalize(v)));
        return out;
    }

    /** {@code string}, {@code number}, {@code boolean}, {@code null}, {@code object} or {@code array}. */
    public static String type(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> STRING;
            case Long l -> NUMBER;
            case Double d -> NUMBER;
            case Boolean b -> BOOLEAN;
            case Map<?, ?> m -> "object";
            default -> "array";
        };
    }

    /** The value's text in the index: a string itself, any other value as JSON ({@code 10}, {@code true}). */
    public static String text(Object value) {
        return value instanceof String s ? s : JSON.writeValueAsString(value);
    }

    /** The number as a double, or null when the value is not a number. */
    public static Double number(Object value) {
        return switch (value) {
            case Long l -> l.doubleValue();
            case Double d -> d;
            case null, default -> null;
        };
    }

    private static Object fromNode(JsonNode n) {
        if (n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isString()) {
            return n.asString();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isNumber()) {
            return number(n.decimalValue());
        }
        if (n.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                out.put(e.getKey(), fromNode(e.getValue()));
            }
            return out;
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>();
            n.values().forEach(v -> out.add(fromNode(v)));
            return out;
        }
        throw new Unsupported("not a JSON value: " + n.getNodeType());
    }

    private static Object number(BigDecimal d) {
        try {
            return d.longValueExact();
        } catch (ArithmeticException notIntegralOrTooLarge) {
            return number(d.doubleValue());
        }
    }

    private static Object number(double d) {
        if (!Double.isFinite(d)) {
            throw new Unsupported("a number out of range");
        }
        if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            return (long) d;
        }
        return d;
    }
}
