package io.fleetkeeper.fleet;

import io.fleetkeeper.fleet.internal.QueryParser;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A parsed fleet query: the text and its syntax tree. {@link #toString()} renders the tree fully parenthesized,
 * which shows how precedence (NOT, then AND, then OR) grouped the terms. The grammar is in the README
 * ("Fleet queries and groups").
 */
public record FleetQuery(String text, Expr root) {

    /** Parses {@code text}; a mistake is {@code 400 INVALID_QUERY} with its {@code position} and what was expected. */
    public static FleetQuery parse(String text) {
        return new FleetQuery(text, QueryParser.parse(text));
    }

    @Override
    public String toString() {
        return root.toString();
    }

    /** A node of the syntax tree. */
    public sealed interface Expr permits And, Or, Not, Predicate {
    }

    public record And(Expr left, Expr right) implements Expr {
        @Override
        public String toString() {
            return "(" + left + " AND " + right + ")";
        }
    }

    public record Or(Expr left, Expr right) implements Expr {
        @Override
        public String toString() {
            return "(" + left + " OR " + right + ")";
        }
    }

    public record Not(Expr inner) implements Expr {
        @Override
        public String toString() {
            return "NOT " + inner;
        }
    }

    /** {@code field op value}, {@code field IN (values)} or {@code field EXISTS} (no values). */
    public record Predicate(Field field, Op op, List<Value> values) implements Expr {
        public Predicate {
            values = List.copyOf(values);
        }

        @Override
        public String toString() {
            return switch (op) {
                case EXISTS -> field + " EXISTS";
                case IN -> field + " IN (" + values.stream().map(Object::toString).collect(Collectors.joining(", "))
                        + ")";
                default -> field + " " + op.symbol() + " " + values.getFirst();
            };
        }
    }

    /**
     * A whitelisted field; {@code key} is the metadata key of {@code metadata.KEY} or the dotted path of
     * {@code shadow.reported.PATH}, else null.
     */
    public record Field(String name, String key) {
        @Override
        public String toString() {
            return key == null ? name : name + "." + key;
        }
    }

    public enum Op {
        EQ("="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="), IN("IN"), EXISTS("EXISTS");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    /** A literal, already checked against its field (statuses in their stored upper case). */
    public sealed interface Value permits Text, Prefix, At, Relative, Num, Bool {
    }

    public record Text(String value) implements Value {
        @Override
        public String toString() {
            return quote(value);
        }
    }

    /** {@code "abc*"}: values starting with {@code value}. */
    public record Prefix(String value) implements Value {
        @Override
        public String toString() {
            return quote(value + "*").replace("\\*\"", "*\"");
        }
    }

    /** An absolute time, in epoch milliseconds. */
    public record At(long epochMillis) implements Value {
        @Override
        public String toString() {
            return quote(Instant.ofEpochMilli(epochMillis).toString());
        }
    }

    /** {@code now-1h}: the evaluation time plus {@code offsetMillis} (negative in the past). */
    public record Relative(long offsetMillis, String text) implements Value {
        @Override
        public String toString() {
            return text;
        }
    }

    /** An unquoted number compared as a number (shadow values; other fields take numbers as text). */
    public record Num(BigDecimal value) implements Value {
        @Override
        public String toString() {
            return value.toPlainString();
        }
    }

    /** Unquoted {@code true} or {@code false} compared with JSON booleans (shadow values). */
    public record Bool(boolean value) implements Value {
        @Override
        public String toString() {
            return String.valueOf(value);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("*", "\\*") + "\"";
    }
}
