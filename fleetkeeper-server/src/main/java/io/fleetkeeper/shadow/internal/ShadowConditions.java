package io.fleetkeeper.shadow.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceShadows;
import io.fleetkeeper.store.Dialect;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The SQL behind the fleet query field {@code shadow.reported.PATH}: an {@code EXISTS} probe of the device's
 * classic shadow row by primary key, testing the JSON text of its document (no index: every probed document is
 * parsed). The path is always a bound parameter, built only from validated segments, each quoted.
 * <ul>
 *   <li>SQLite: {@code json_type} picks the JSON type ({@code text}, {@code integer}/{@code real}, {@code true}/
 *       {@code false}) and {@code json_extract} the value; numbers are bound as integers or doubles so they compare
 *       numerically, strings compare by code point (BINARY).</li>
 *   <li>PostgreSQL: a strict-mode jsonpath, so a member accessor never indexes an array (strict mode errors,
 *       silenced, count as no match); values compare only with JSON values of their own type, strings by code
 *       point, numbers as numeric.</li>
 * </ul>
 */
@Component
class ShadowConditions implements DeviceShadows {

    private static final String PROBE = "EXISTS (SELECT 1 FROM shadows s WHERE s.tenant_id = ? AND s.device_id = %s"
            + " AND s.name = '' AND s.document IS NOT NULL AND ";

    private final Dialect dialect;

    ShadowConditions(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public DeviceCondition reported(UUID tenantId, String deviceId, List<String> path, Comparison comparison,
            List<Object> values) {
        check(path, comparison, values);
        List<String> segments = new ArrayList<>(List.of(ShadowDoc.REPORTED));
        segments.addAll(path);
        List<Object> params = new ArrayList<>();
        params.add(tenantId.toString());
        String test = dialect == Dialect.POSTGRESQL ? postgres(segments, comparison, values, params)
                : sqlite(segments, comparison, values, params);
        return new DeviceCondition(PROBE.formatted(deviceId) + test + ")", params);
    }

    private static void check(List<String> path, Comparison comparison, List<Object> values) {
        if (path.isEmpty() || path.size() > MAX_PATH_DEPTH
                || !path.stream().allMatch(s -> PATH_SEGMENT.matcher(s).matches())) {
            throw new IllegalArgumentException("not a reported path: " + path);
        }
        comparison.checkValues(values.size());
        for (Object v : values) {
            if (!(v instanceof String || v instanceof BigDecimal || v instanceof Boolean)
                    || v instanceof Boolean && comparison != Comparison.EQ && comparison != Comparison.IN) {
                throw new IllegalArgumentException("cannot test " + comparison + " " + v);
            }
        }
    }

    /**
     * EXISTS: {@code jsonb_path_exists} of the strict path. EQ and IN: the value at the strict path equals an
     * element of a bound JSON array (jsonb equality: same type, numbers by value; the array is built once per
     * statement, whereas a jsonpath {@code @ == $v0 || @ == $v1 …} looks every variable up again on every row, and
     * {@code IN (SELECT …)} plans as a hash join that extracts the value twice). Ordered: the filter
     * {@code ? (@ < $v)}. Parsing the document text dominates the cost either way.
     */
    private static String postgres(List<String> segments, Comparison comparison, List<Object> values,
            List<Object> params) {
        StringBuilder path = new StringBuilder("strict $");
        segments.forEach(s -> path.append(".\"").append(s).append('"'));
        String document = "CAST(s.document AS jsonb)";
        switch (comparison) {
            case EXISTS -> {
                params.add(path.toString());
                return "jsonb_path_exists(" + document + ", CAST(? AS jsonpath), '{}', true)";
            }
            case EQ, IN -> {
                ArrayNode list = JsonNodeFactory.instance.arrayNode();
                for (Object v : values) {
                    switch (v) {
                        case String s -> list.add(s);
                        case BigDecimal n -> list.add(n);
                        case Boolean b -> list.add(b);
                        default -> throw new IllegalStateException();
                    }
                }
                params.add(path.toString());
                params.add(list.toString());
                return "jsonb_path_query_first(" + document + ", CAST(? AS jsonpath), '{}', true)"
                        + " = ANY (ARRAY(SELECT jsonb_array_elements(CAST(? AS jsonb))))";
            }
            default -> {
                ObjectNode vars = JsonNodeFactory.instance.objectNode();
                switch (values.getFirst()) {
                    case String s -> vars.put("v", s);
                    case BigDecimal n -> vars.put("v", n);
                    default -> throw new IllegalStateException();
                }
                params.add(path + " ? (@ " + symbol(comparison) + " $v)");
                params.add(vars.toString());
                return "jsonb_path_exists(" + document + ", CAST(? AS jsonpath), CAST(? AS jsonb), true)";
            }
        }
    }

    /**
     * {@code json_type(…) = 'text' AND json_extract(…) IN (?, ?)}, one such term per JSON type among the values,
     * joined by OR (SQLite caches the parsed document across the calls of one statement).
     */
    private static String sqlite(List<String> segments, Comparison comparison, List<Object> values,
            List<Object> params) {
        StringBuilder p = new StringBuilder("$");
        segments.forEach(s -> p.append(".\"").append(s).append('"'));
        String path = p.toString();
        if (comparison == Comparison.EXISTS) {
            params.add(path);
            return "json_type(s.document, ?) IS NOT NULL";
        }
        List<Object> strings = values.stream().filter(String.class::isInstance).toList();
        List<Object> numbers = values.stream().filter(BigDecimal.class::isInstance)
                .map(n -> sqliteNumber((BigDecimal) n)).toList();
        List<Object> booleans = values.stream().filter(Boolean.class::isInstance).<Object>map(String::valueOf).toList();
        List<String> terms = new ArrayList<>();
        if (!strings.isEmpty()) {
            terms.add(typed("= 'text'", path, comparison, strings, params));
        }
        if (!numbers.isEmpty()) {
            terms.add(typed("IN ('integer', 'real')", path, comparison, numbers, params));
        }
        if (!booleans.isEmpty()) {
            params.add(path);
            params.addAll(booleans);
            terms.add("json_type(s.document, ?) IN (" + placeholders(booleans.size()) + ")");
        }
        return "(" + String.join(" OR ", terms) + ")";
    }

    private static String typed(String type, String path, Comparison comparison, List<Object> values,
            List<Object> params) {
        params.add(path);
        params.add(path);
        params.addAll(values);
        String test = comparison == Comparison.IN ? "IN (" + placeholders(values.size()) + ")"
                : symbol(comparison) + " ?";
        return "(json_type(s.document, ?) " + type + " AND json_extract(s.document, ?) " + test + ")";
    }

    /** An integer within 64 bits binds as one (exact); anything else as a double, as SQLite stores JSON reals. */
    private static Object sqliteNumber(BigDecimal n) {
        try {
            return n.longValueExact();
        } catch (ArithmeticException e) {
            return n.doubleValue();
        }
    }

    private static String symbol(Comparison c) {
        return switch (c) {
            case EQ -> "=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            default -> throw new IllegalStateException("no single operator for " + c);
        };
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }
}
