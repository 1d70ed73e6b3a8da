package io.fleetkeeper.fleet.internal;

import io.fleetkeeper.device.DeviceField;
import io.fleetkeeper.device.DeviceSensors;
import io.fleetkeeper.device.DeviceShadows;
import io.fleetkeeper.device.DeviceSims;
import io.fleetkeeper.device.DeviceTelemetry;
import io.fleetkeeper.fleet.FleetQuery.And;
import io.fleetkeeper.fleet.FleetQuery.Expr;
import io.fleetkeeper.fleet.FleetQuery.Field;
import io.fleetkeeper.fleet.FleetQuery.Not;
import io.fleetkeeper.fleet.FleetQuery.Op;
import io.fleetkeeper.fleet.FleetQuery.Or;
import io.fleetkeeper.fleet.FleetQuery.Predicate;
import io.fleetkeeper.fleet.FleetQuery.Value;
import io.fleetkeeper.fleet.internal.QueryLexer.Kind;
import io.fleetkeeper.fleet.internal.QueryLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Recursive descent over the grammar
 * <pre>
 * query     = or END
 * or        = and { "OR" and }
 * and       = unary { "AND" unary }
 * unary     = "NOT" unary | "(" or ")" | predicate
 * predicate = field ( op value | [ "NOT" ] "IN" "(" value { "," value } ")" | "EXISTS" )
 * op        = "=" | "!=" | "<" | "<=" | ">" | ">="
 * value     = string | number | true | false | now[(+|-)N(s|m|h|d|w)]
 * </pre>
 * Keywords are case-insensitive, field names are not.
 */
public final class QueryParser {

    /** Longest query text. */
    public static final int MAX_LENGTH = 4096;
    /** Deepest nesting of parentheses and NOT. */
    public static final int MAX_DEPTH = 32;
    /** Most values in one IN list. */
    public static final int MAX_IN_VALUES = 1000;

    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final String SHADOW_REPORTED = DeviceField.SHADOW_REPORTED.wire() + ".";
    private static final String TELEMETRY = DeviceField.TELEMETRY.wire() + ".";
    private static final String SIM = DeviceField.SIM.wire() + ".";
    private static final String SENSOR = DeviceField.SENSOR.wire() + ".";
    private static final Map<String, Op> OPS = Map.of("=", Op.EQ, "!=", Op.NE, "<", Op.LT, "<=", Op.LE, ">", Op.GT,
            ">=", Op.GE);
    private static final String OPERATORS = "an operator (=, !=, <, <=, >, >=, IN, NOT IN, EXISTS)";

    private final QueryLexer lexer;
    private Token tok;
    private int depth;

    private QueryParser(String text) {
        this.lexer = new QueryLexer(text);
        this.tok = lexer.next();
    }

    public static Expr parse(String text) {
        if (text == null || text.isBlank()) {
            throw QueryErrors.expected(0, "a field, NOT or '('", "end of query");
        }
        if (text.length() > MAX_LENGTH) {
            throw QueryErrors.at(MAX_LENGTH, "a query is at most " + MAX_LENGTH + " characters");
        }
        QueryParser p = new QueryParser(text);
        Expr e = p.or();
        if (p.tok.kind() != Kind.END) {
            throw QueryErrors.expected(p.tok.pos(), "AND, OR or end of query", p.tok.describe());
        }
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (tok.isKeyword("OR")) {
            advance();
            e = new Or(e, and());
        }
        return e;
    }

    private Expr and() {
        Expr e = unary();
        while (tok.isKeyword("AND")) {
            advance();
            e = new And(e, unary());
        }
        return e;
    }

    private Expr unary() {
        if (++depth > MAX_DEPTH) {
            throw QueryErrors.at(tok.pos(), "the query nests more than " + MAX_DEPTH + " levels deep");
        }
        try {
            if (tok.isKeyword("NOT")) {
                advance();
                return new Not(unary());
            }
            if (tok.kind() == Kind.LPAREN) {
                advance();
                Expr e = or();
                if (tok.kind() != Kind.RPAREN) {
                    throw QueryErrors.expected(tok.pos(), "AND, OR or ')'", tok.describe());
                }
                advance();
                return e;
            }
            return predicate();
        } finally {
            depth--;
        }
    }

    private Expr predicate() {
        if (tok.kind() != Kind.WORD || isReserved(tok)) {
            throw QueryErrors.expected(tok.pos(), "a field, NOT or '('", tok.describe());
        }
        Token fieldToken = tok;
        Field field = field(fieldToken);
        DeviceField f = DeviceField.of(field.name());
        advance();
        if (tok.kind() == Kind.OP) {
            Token opToken = tok;
            Op op = OPS.get(opToken.text());
            if (op != Op.EQ && op != Op.NE && !f.ordered()) {
                throw QueryErrors.at(opToken.pos(), "field '" + field + "' supports =, !=, IN and EXISTS only");
            }
            advance();
            Value v = value(f, op);
            return new Predicate(field, op, List.of(v));
        }
        if (tok.isKeyword("EXISTS")) {
            advance();
            return new Predicate(field, Op.EXISTS, List.of());
        }
        if (tok.isKeyword("NOT")) {
            advance();
            if (!tok.isKeyword("IN")) {
                throw QueryErrors.expected(tok.pos(), "IN after NOT", tok.describe());
            }
            return new Not(in(f, field));
        }
        if (tok.isKeyword("IN")) {
            return in(f, field);
        }
        throw QueryErrors.expected(tok.pos(), OPERATORS, tok.describe());
    }

    private Predicate in(DeviceField f, Field field) {
        advance();
        if (tok.kind() != Kind.LPAREN) {
            throw QueryErrors.expected(tok.pos(), "'(' after IN", tok.describe());
        }
        advance();
        List<Value> values = new ArrayList<>();
        while (true) {
            if (values.size() == MAX_IN_VALUES) {
                throw QueryErrors.at(tok.pos(), "an IN list holds at most " + MAX_IN_VALUES + " values");
            }
            values.add(value(f, Op.IN));
            if (tok.kind() == Kind.RPAREN) {
                advance();
                return new Predicate(field, Op.IN, values);
            }
            if (tok.kind() != Kind.COMMA) {
                throw QueryErrors.expected(tok.pos(), "',' or ')'", tok.describe());
            }
            advance();
        }
    }

    private Value value(DeviceField f, Op op) {
        Token t = tok;
        Value v = QueryValues.of(f, op, t);
        advance();
        return v;
    }

    private static Field field(Token t) {
        String name = t.text();
        DeviceField f = DeviceField.of(name);
        if (f != null && !f.keyed()) {
            return new Field(name, null);
        }
        if (name.startsWith("metadata.")) {
            String key = name.substring("metadata.".length());
            if (!METADATA_KEY.matcher(key).matches()) {
                throw QueryErrors.at(t.pos() + "metadata.".length(),
                        "a metadata key is 1-64 of A-Z a-z 0-9 _ . - (found '" + key + "')");
            }
            return new Field("metadata", key);
        }
        if (name.equals("metadata")) {
            throw QueryErrors.at(t.pos(), "write metadata.KEY, e.g. metadata.region");
        }
        if (name.equals("shadow") || name.startsWith("shadow.")) {
            return shadowField(t);
        }
        if (name.equals(DeviceField.TELEMETRY.wire()) || name.startsWith(TELEMETRY)) {
            String metric = name.startsWith(TELEMETRY) ? name.substring(TELEMETRY.length()) : "";
            if (!DeviceTelemetry.METRIC.matcher(metric).matches()) {
                throw QueryErrors.at(t.pos(), "a telemetry field is " + TELEMETRY + "METRIC, e.g. " + TELEMETRY
                        + "battery or " + TELEMETRY + "power.v (found '" + name + "')");
            }
            return new Field(DeviceField.TELEMETRY.wire(), metric);
        }
        if (name.equals(DeviceField.SIM.wire()) || name.startsWith(SIM)) {
            String key = name.startsWith(SIM) ? name.substring(SIM.length()) : "";
            if (!DeviceSims.FIELDS.contains(key)) {
                throw QueryErrors.at(t.pos(), "a SIM field is " + SIM + "FIELD, FIELD one of "
                        + new java.util.TreeSet<>(DeviceSims.FIELDS) + " (found '" + name + "')");
            }
            return new Field(DeviceField.SIM.wire(), key);
        }
        if (name.equals(DeviceField.SENSOR.wire()) || name.startsWith(SENSOR)) {
            String key = name.startsWith(SENSOR) ? name.substring(SENSOR.length()) : "";
            int dot = key.indexOf('.');
            if (!DeviceSensors.KEY.matcher(dot < 0 ? key : key.substring(0, dot)).matches()
                    || dot >= 0 && !DeviceSensors.FIELDS.contains(key.substring(dot + 1))) {
                throw QueryErrors.at(t.pos(), "a sensor field is " + SENSOR + "KEY or " + SENSOR + "KEY.FIELD, FIELD one"
                        + " of " + new java.util.TreeSet<>(DeviceSensors.FIELDS) + " (found '" + name + "')");
            }
            return new Field(DeviceField.SENSOR.wire(), key);
        }
        throw QueryErrors.expected(t.pos(), "a field (" + DeviceField.names() + ")", "'" + name + "'");
    }

    /** {@code shadow.reported.a.b}: up to 8 segments, each a shadow key of letters, digits, _ and -. */
    private static Field shadowField(Token t) {
        String name = t.text();
        if (!name.startsWith(SHADOW_REPORTED)) {
            throw QueryErrors.at(t.pos(), "a shadow field is shadow.reported.PATH, e.g. shadow.reported.battery.level"
                    + " (found '" + name + "')");
        }
        String path = name.substring(SHADOW_REPORTED.length());
        String[] segments = path.split("\\.", -1);
        int at = t.pos() + SHADOW_REPORTED.length();
        if (segments.length > DeviceShadows.MAX_PATH_DEPTH) {
            throw QueryErrors.at(at, "a shadow path has at most " + DeviceShadows.MAX_PATH_DEPTH + " segments");
        }
        for (String segment : segments) {
            if (!DeviceShadows.PATH_SEGMENT.matcher(segment).matches()) {
                throw QueryErrors.at(at, "a shadow path segment is 1-128 of A-Z a-z 0-9 _ - (found '"
                        + (segment.length() > 32 ? segment.substring(0, 32) + "…" : segment) + "')");
            }
            at += segment.length() + 1;
        }
        return new Field(DeviceField.SHADOW_REPORTED.wire(), path);
    }

    private static boolean isReserved(Token t) {
        for (String k : List.of("AND", "OR", "NOT", "IN", "EXISTS")) {
            if (t.isKeyword(k)) {
                return true;
            }
        }
        return false;
    }

    private void advance() {
        tok = lexer.next();
    }
}
