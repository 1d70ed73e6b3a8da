package io.fleetkeeper.event.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.DeviceTelemetry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A condition on the metrics of a telemetry message, evaluated in memory. The grammar is the fleet query's, over
 * the message's metrics:
 * <pre>
 * condition = or END
 * or        = and { "OR" and }
 * and       = unary { "AND" unary }
 * unary     = "NOT" unary | "(" or ")" | predicate
 * predicate = "payload." METRIC ( op value | [ "NOT" ] "IN" "(" value { "," value } ")" | "EXISTS" )
 * op        = "=" | "!=" | "<" | "<=" | ">" | ">="
 * value     = "string" | number | true | false
 * </pre>
 * Keywords are case-insensitive. As with {@code telemetry.METRIC} in fleet queries, a value compares only with a
 * metric of its own kind (numbers numerically, strings by character, booleans with {@code =} and {@code !=}): a
 * test of a metric the message lacks, or holds with another kind, is false, {@code !=} included.
 */
final class PayloadCondition {

    static final int MAX_LENGTH = 1024;
    private static final int MAX_DEPTH = 16;
    private static final int MAX_IN_VALUES = 100;
    private static final String FIELD = "payload.";

    private sealed interface Node permits And, Or, Not, Test {
        boolean test(Map<String, Object> metrics);
    }

    private record And(Node left, Node right) implements Node {
        public boolean test(Map<String, Object> m) {
            return left.test(m) && right.test(m);
        }
    }

    private record Or(Node left, Node right) implements Node {
        public boolean test(Map<String, Object> m) {
            return left.test(m) || right.test(m);
        }
    }

    private record Not(Node inner) implements Node {
        public boolean test(Map<String, Object> m) {
            return !inner.test(m);
        }
    }

    /** {@code metric op value}; IN as EQ over several values; EXISTS without values. */
    private record Test(String metric, String op, List<Object> values) implements Node {
        public boolean test(Map<String, Object> m) {
            Object actual = m.get(metric);
            if (op.equals("EXISTS")) {
                return m.containsKey(metric);
            }
            for (Object v : values) {
                if (compare(actual, v)) {
                    return true;
                }
            }
            return false;
        }

        private boolean compare(Object actual, Object expected) {
            int c;
            if (actual instanceof Double d && expected instanceof Double e) {
                c = Double.compare(d, e);
            } else if (actual instanceof String s && expected instanceof String e) {
                c = s.compareTo(e);
            } else if (actual instanceof Boolean b && expected instanceof Boolean e) {
                c = b.equals(e) ? 0 : 1;
            } else {
                return false;
            }
            return switch (op) {
                case "=", "IN" -> c == 0;
                case "!=" -> c != 0;
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                default -> c >= 0;
            };
        }
    }

    private enum Kind { WORD, STRING, NUMBER, OP, LPAREN, RPAREN, COMMA, END }

    private record Token(Kind kind, String text, int pos) {
        boolean is(String keyword) {
            return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
        }

        String describe() {
            return switch (kind) {
                case END -> "end of condition";
                case STRING -> "\"" + text + "\"";
                default -> "'" + text + "'";
            };
        }
    }

    private final Node root;

    private PayloadCondition(Node root) {
        this.root = root;
    }

    /** Whether a message with these metrics passes. */
    boolean test(Map<String, Object> metrics) {
        return root.test(metrics);
    }

    /** Parses {@code text}; a mistake is {@code 400 INVALID_QUERY} naming its position and what was expected. */
    static PayloadCondition parse(String text) {
        if (text == null || text.isBlank()) {
            throw error(0, "a condition is required");
        }
        if (text.length() > MAX_LENGTH) {
            throw error(MAX_LENGTH, "a payload condition is at most " + MAX_LENGTH + " characters");
        }
        Parser p = new Parser(text);
        Node n = p.or();
        if (p.tok.kind() != Kind.END) {
            throw p.expected("AND, OR or end of condition");
        }
        return new PayloadCondition(n);
    }

    private static ApiException error(int pos, String message) {
        return new ApiException(ErrorCode.INVALID_QUERY, "invalid condition at position " + pos + ": " + message);
    }

    private static final class Parser {
        private final String text;
        private int at;
        private int depth;
        private Token tok;

        Parser(String text) {
            this.text = text;
            this.tok = next();
        }

        ApiException expected(String what) {
            return error(tok.pos(), "expected " + what + ", found " + tok.describe());
        }

        Node or() {
            Node n = and();
            while (tok.is("OR")) {
                tok = next();
                n = new Or(n, and());
            }
            return n;
        }

        Node and() {
            Node n = unary();
            while (tok.is("AND")) {
                tok = next();
                n = new And(n, unary());
            }
            return n;
        }

        Node unary() {
            if (++depth > MAX_DEPTH) {
                throw error(tok.pos(), "the condition nests more than " + MAX_DEPTH + " levels deep");
            }
            try {
                if (tok.is("NOT")) {
                    tok = next();
                    return new Not(unary());
                }
                if (tok.kind() == Kind.LPAREN) {
                    tok = next();
                    Node n = or();
                    if (tok.kind() != Kind.RPAREN) {
                        throw expected("AND, OR or ')'");
                    }
                    tok = next();
                    return n;
                }
                return predicate();
            } finally {
                depth--;
            }
        }

        Node predicate() {
            if (tok.kind() != Kind.WORD || !tok.text().startsWith(FIELD)) {
                throw expected("payload.METRIC, NOT or '('");
            }
            String metric = tok.text().substring(FIELD.length());
            if (!DeviceTelemetry.METRIC.matcher(metric).matches()) {
                throw error(tok.pos(), "a metric is 1-64 of A-Z a-z 0-9 _ -, or two such names joined by a dot "
                        + "(payload.power.v), found '" + tok.text() + "'");
            }
            tok = next();
            if (tok.kind() == Kind.OP) {
                String op = tok.text();
                tok = next();
                Object v = value();
                if (v instanceof Boolean && !op.equals("=") && !op.equals("!=")) {
                    throw error(tok.pos(), "true and false compare with =, != and IN only");
                }
                tok = next();
                return new Test(metric, op, List.of(v));
            }
            if (tok.is("EXISTS")) {
                tok = next();
                return new Test(metric, "EXISTS", List.of());
            }
            boolean not = tok.is("NOT");
            if (not) {
                tok = next();
                if (!tok.is("IN")) {
                    throw expected("IN after NOT");
                }
            }
            if (!tok.is("IN")) {
                throw expected("an operator (=, !=, <, <=, >, >=, IN, NOT IN, EXISTS)");
            }
            tok = next();
            if (tok.kind() != Kind.LPAREN) {
                throw expected("'(' after IN");
            }
            List<Object> values = new ArrayList<>();
            do {
                tok = next();
                if (values.size() == MAX_IN_VALUES) {
                    throw error(tok.pos(), "an IN list holds at most " + MAX_IN_VALUES + " values");
                }
                values.add(value());
                tok = next();
            } while (tok.kind() == Kind.COMMA);
            if (tok.kind() != Kind.RPAREN) {
                throw expected("',' or ')'");
            }
            tok = next();
            Node in = new Test(metric, "IN", values);
            return not ? new Not(in) : in;
        }

        /** The current token as a value (the caller moves past it). */
        private Object value() {
            return switch (tok.kind()) {
                case STRING -> tok.text();
                case NUMBER -> new BigDecimal(tok.text()).doubleValue();
                case WORD -> {
                    String w = tok.text().toLowerCase(Locale.ROOT);
                    if (!w.equals("true") && !w.equals("false")) {
                        throw error(tok.pos(), "expected a quoted string, a number, true or false, found '"
                                + tok.text() + "' (strings are quoted: \"" + tok.text() + "\")");
                    }
                    yield w.equals("true");
                }
                default -> throw expected("a quoted string, a number, true or false");
            };
        }

        private Token next() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
            int start = at;
            if (at == text.length()) {
                return new Token(Kind.END, "", start);
            }
            char c = text.charAt(at);
            switch (c) {
                case '(' -> {
                    at++;
                    return new Token(Kind.LPAREN, "(", start);
                }
                case ')' -> {
                    at++;
                    return new Token(Kind.RPAREN, ")", start);
                }
                case ',' -> {
                    at++;
                    return new Token(Kind.COMMA, ",", start);
                }
                case '=' -> {
                    at++;
                    return new Token(Kind.OP, "=", start);
                }
                case '!', '<', '>' -> {
                    at++;
                    boolean eq = at < text.length() && text.charAt(at) == '=';
                    if (eq) {
                        at++;
                    } else if (c == '!') {
                        throw error(start, "expected '!=', found '!'");
                    }
                    return new Token(Kind.OP, eq ? c + "=" : String.valueOf(c), start);
                }
                case '"' -> {
                    return string(start);
                }
                default -> {
                }
            }
            if (c == '-' || c == '.' || Character.isDigit(c)) {
                java.util.regex.Matcher m = NUMBER.matcher(text).region(at, text.length());
                if (!m.lookingAt()) {
                    throw error(start, "expected a number, found '" + c + "'");
                }
                at = m.end();
                return new Token(Kind.NUMBER, m.group(), start);
            }
            if (Character.isLetter(c) || c == '_') {
                while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || "_.-".indexOf(
                        text.charAt(at)) >= 0)) {
                    at++;
                }
                return new Token(Kind.WORD, text.substring(start, at), start);
            }
            throw error(start, "unexpected character '" + c + "'");
        }

        private Token string(int start) {
            StringBuilder sb = new StringBuilder();
            at++;
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return new Token(Kind.STRING, sb.toString(), start);
                }
                if (c == '\\' && at < text.length()) {
                    c = text.charAt(at++);
                }
                sb.append(c);
            }
            throw error(start, "the string starting here is not closed");
        }
    }

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile(
            "-?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
}
