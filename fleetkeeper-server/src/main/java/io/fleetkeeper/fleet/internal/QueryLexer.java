package io.fleetkeeper.fleet.internal;

/**
 * Splits a query into tokens on demand, so an error is reported where the parser meets it. Words are
 * {@code [A-Za-z_][A-Za-z0-9_.-]*} (fields, keywords, {@code now-1h}); strings are double-quoted with the
 * escapes {@code \"}, {@code \\} and {@code \*}; a trailing unescaped {@code *} makes a prefix.
 */
final class QueryLexer {

    enum Kind { WORD, STRING, NUMBER, OP, LPAREN, RPAREN, COMMA, END }

    /** One token; {@code text} is the unescaped content of a string (without a prefix star). */
    record Token(Kind kind, String text, int pos, boolean prefix) {

        boolean isKeyword(String keyword) {
            return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
        }

        /** How messages name this token. */
        String describe() {
            return switch (kind) {
                case END -> "end of query";
                case STRING -> "a string";
                case NUMBER -> "number " + text;
                default -> "'" + text + "'";
            };
        }
    }

    private final String in;
    private int pos;

    QueryLexer(String in) {
        this.in = in;
    }

    Token next() {
        while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
            pos++;
        }
        int start = pos;
        if (pos >= in.length()) {
            return new Token(Kind.END, "", start, false);
        }
        char c = in.charAt(pos);
        switch (c) {
            case '(' -> {
                pos++;
                return new Token(Kind.LPAREN, "(", start, false);
            }
            case ')' -> {
                pos++;
                return new Token(Kind.RPAREN, ")", start, false);
            }
            case ',' -> {
                pos++;
                return new Token(Kind.COMMA, ",", start, false);
            }
            case '=' -> {
                pos++;
                return new Token(Kind.OP, "=", start, false);
            }
            case '!', '<', '>' -> {
                pos++;
                if (pos < in.length() && in.charAt(pos) == '=') {
                    pos++;
                    return new Token(Kind.OP, c + "=", start, false);
                }
                if (c == '!') {
                    throw QueryErrors.expected(pos, "'=' after '!'", found(pos));
                }
                return new Token(Kind.OP, String.valueOf(c), start, false);
            }
            case '"' -> {
                return string(start);
            }
            default -> {
                if (isDigit(c) || (c == '-' && pos + 1 < in.length() && isDigit(in.charAt(pos + 1)))) {
                    return number(start);
                }
                if (Character.isLetter(c) && c < 128 || c == '_') {
                    return word(start);
                }
                throw QueryErrors.at(start, "unexpected character " + found(start));
            }
        }
    }

    private Token string(int start) {
        StringBuilder sb = new StringBuilder();
        pos++;
        boolean lastWasWildcard = false;
        while (pos < in.length()) {
            char c = in.charAt(pos++);
            if (c == 0) {
                // Neither PostgreSQL text nor JSON can hold it: refused here, the same on both stores.
                throw QueryErrors.at(pos - 1, "a string cannot contain U+0000");
            }
            if (c == '"') {
                if (lastWasWildcard) {
                    sb.setLength(sb.length() - 1);
                }
                return new Token(Kind.STRING, sb.toString(), start, lastWasWildcard);
            }
            lastWasWildcard = c == '*';
            if (c == '\\') {
                if (pos >= in.length()) {
                    break;
                }
                char e = in.charAt(pos);
                if (e != '"' && e != '\\' && e != '*') {
                    throw QueryErrors.expected(pos, "one of \\\" \\\\ \\* after a backslash", found(pos));
                }
                pos++;
                c = e;
            }
            sb.append(c);
        }
        throw QueryErrors.at(start, "string starting here is not closed (expected '\"')");
    }

    private Token number(int start) {
        pos++;
        while (pos < in.length() && (isDigit(in.charAt(pos)) || in.charAt(pos) == '.')) {
            pos++;
        }
        String text = in.substring(start, pos);
        if (!text.matches("-?\\d+(\\.\\d+)?")) {
            throw QueryErrors.at(start, "'" + text + "' is not a number");
        }
        return new Token(Kind.NUMBER, text, start, false);
    }

    private Token word(int start) {
        while (pos < in.length()) {
            char c = in.charAt(pos);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-'))) {
                break;
            }
            pos++;
        }
        return new Token(Kind.WORD, in.substring(start, pos), start, false);
    }

    private String found(int at) {
        if (at >= in.length()) {
            return "end of query";
        }
        int cp = in.codePointAt(at);
        return Character.isISOControl(cp) ? String.format("U+%04X", cp) : "'" + Character.toString(cp) + "'";
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
