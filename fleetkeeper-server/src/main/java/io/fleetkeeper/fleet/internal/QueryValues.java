package io.fleetkeeper.fleet.internal;

import io.fleetkeeper.device.DeviceField;
import io.fleetkeeper.device.DeviceHealth;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.fleet.FleetQuery.At;
import io.fleetkeeper.fleet.FleetQuery.Bool;
import io.fleetkeeper.fleet.FleetQuery.Num;
import io.fleetkeeper.fleet.FleetQuery.Op;
import io.fleetkeeper.fleet.FleetQuery.Prefix;
import io.fleetkeeper.fleet.FleetQuery.Relative;
import io.fleetkeeper.fleet.FleetQuery.Text;
import io.fleetkeeper.fleet.FleetQuery.Value;
import io.fleetkeeper.fleet.internal.QueryLexer.Kind;
import io.fleetkeeper.fleet.internal.QueryLexer.Token;
import io.fleetkeeper.pki.IdentityStatus;
import io.fleetkeeper.store.Ids;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a literal token into a value of its field's kind, or explains at the token why it cannot be one. */
final class QueryValues {

    private static final Pattern RELATIVE = Pattern.compile("now(?:([+-])(\\d{1,9})([smhdw]))?",
            Pattern.CASE_INSENSITIVE);
    private static final List<String> IDENTITY = List.of(IdentityStatus.NO_IDENTITY, IdentityStatus.ACTIVE,
            IdentityStatus.RENEWAL_PENDING, IdentityStatus.EXPIRING_SOON, IdentityStatus.EXPIRED,
            IdentityStatus.REVOKED);
    private static final String STATUSES = "provisioning, active, suspended, decommissioned";

    private QueryValues() {
    }

    static Value of(DeviceField f, Op op, Token t) {
        if (t.kind() != Kind.STRING && t.kind() != Kind.NUMBER && t.kind() != Kind.WORD) {
            throw QueryErrors.expected(t.pos(), expected(f), t.describe());
        }
        if (t.prefix() && op != Op.EQ && op != Op.NE) {
            throw QueryErrors.at(t.pos(), "a prefix (\"abc*\") works only with = and !=");
        }
        if (t.prefix() && (f.kind() != DeviceField.Kind.TEXT && f.kind() != DeviceField.Kind.TAG
                && f.kind() != DeviceField.Kind.METADATA)) {
            throw QueryErrors.at(t.pos(), "field '" + f.wire() + "' does not take a prefix");
        }
        if (f.kind() == DeviceField.Kind.TIME) {
            return time(f, t);
        }
        if (f.kind() == DeviceField.Kind.JSON) {
            return json(op, t);
        }
        if (f.kind() == DeviceField.Kind.METADATA && !t.prefix()) {
            // Metadata values are typed like shadow values: a number compares numerically with numbers (and
            // as text with string values, as before values had types), true and false match booleans.
            return json(op, t);
        }
        if (f.kind() == DeviceField.Kind.NUMBER) {
            if (t.kind() != Kind.NUMBER || !t.text().matches("-?\\d{1,15}")) {
                throw QueryErrors.expected(t.pos(), expected(f), t.kind() == Kind.WORD ? "'" + t.text() + "'"
                        : t.describe());
            }
            return new Num(new BigDecimal(t.text()));
        }
        if (f.kind() == DeviceField.Kind.BOOL) {
            String b = t.text().toLowerCase(Locale.ROOT);
            if (t.kind() == Kind.NUMBER || !(b.equals("true") || b.equals("false"))) {
                throw QueryErrors.expected(t.pos(), expected(f), t.kind() == Kind.WORD ? "'" + t.text() + "'"
                        : t.describe());
            }
            return new Text(b);
        }
        if (t.kind() == Kind.WORD) {
            String hint = t.text().toLowerCase(Locale.ROOT).startsWith("now")
                    ? "relative times apply only to registered_at and last_seen"
                    : "values are quoted: \"" + t.text() + "\"";
            throw QueryErrors.at(t.pos(), "expected " + expected(f) + ", found '" + t.text() + "' (" + hint + ")");
        }
        return switch (f.kind()) {
            case UUID -> {
                if (t.kind() != Kind.STRING || Ids.parseOrNull(t.text()) == null) {
                    throw QueryErrors.expected(t.pos(), "a quoted UUID for " + f.wire(), t.describe());
                }
                yield new Text(Ids.parseOrNull(t.text()).toString());
            }
            case STATUS -> {
                DeviceStatus s = t.kind() == Kind.STRING ? DeviceStatus.parse(t.text().toLowerCase(Locale.ROOT)) : null;
                if (s == null) {
                    throw QueryErrors.expected(t.pos(), "a status (" + STATUSES + ")", t.describe());
                }
                yield new Text(s.name());
            }
            case IDENTITY -> {
                String s = t.text().toUpperCase(Locale.ROOT);
                if (t.kind() != Kind.STRING || !IDENTITY.contains(s)) {
                    throw QueryErrors.expected(t.pos(), "an identity status (" + String.join(", ", IDENTITY) + ")",
                            t.describe());
                }
                yield new Text(s);
            }
            case HEALTH -> {
                String s = t.text().toUpperCase(Locale.ROOT);
                if (t.kind() != Kind.STRING || !DeviceHealth.VALUES.contains(s)) {
                    throw QueryErrors.expected(t.pos(), "a health (" + String.join(", ", DeviceHealth.VALUES) + ")",
                            t.describe());
                }
                yield new Text(s);
            }
            default -> t.prefix() ? new Prefix(t.text()) : new Text(t.text());
        };
    }

    /** A JSON string, number or boolean, each matching only JSON values of its own type. */
    private static Value json(Op op, Token t) {
        if (t.kind() == Kind.STRING) {
            return new Text(t.text());
        }
        if (t.kind() == Kind.NUMBER) {
            return new Num(new BigDecimal(t.text()));
        }
        String word = t.text().toLowerCase(Locale.ROOT);
        if (!word.equals("true") && !word.equals("false")) {
            throw QueryErrors.at(t.pos(), "expected a quoted string, a number, true or false, found '" + t.text()
                    + "' (strings are quoted: \"" + t.text() + "\")");
        }
        if (op != Op.EQ && op != Op.NE && op != Op.IN) {
            throw QueryErrors.at(t.pos(), "true and false compare with =, !=, IN and NOT IN only");
        }
        return new Bool(word.equals("true"));
    }

    private static Value time(DeviceField f, Token t) {
        switch (t.kind()) {
            case WORD -> {
                Matcher m = RELATIVE.matcher(t.text());
                if (!m.matches()) {
                    break;
                }
                if (m.group(1) == null) {
                    return new Relative(0, "now");
                }
                long n = Long.parseLong(m.group(2));
                long unit = switch (m.group(3).toLowerCase(Locale.ROOT)) {
                    case "s" -> 1_000L;
                    case "m" -> 60_000L;
                    case "h" -> 3_600_000L;
                    case "d" -> 86_400_000L;
                    default -> 7 * 86_400_000L;
                };
                long offset = n * unit * (m.group(1).equals("-") ? -1 : 1);
                return new Relative(offset, t.text().toLowerCase(Locale.ROOT));
            }
            case STRING -> {
                try {
                    return new At(Instant.parse(t.text()).toEpochMilli());
                } catch (DateTimeParseException e) {
                    try {
                        return new At(OffsetDateTime.parse(t.text()).toInstant().toEpochMilli());
                    } catch (DateTimeParseException e2) {
                        break;
                    }
                }
            }
            case NUMBER -> {
                if (t.text().matches("-?\\d{1,15}")) {
                    return new At(Long.parseLong(t.text()));
                }
            }
            default -> {
            }
        }
        throw QueryErrors.expected(t.pos(), expected(f), t.kind() == Kind.WORD ? "'" + t.text() + "'"
                : t.kind() == Kind.STRING ? "\"" + t.text() + "\"" : t.describe());
    }

    private static String expected(DeviceField f) {
        return switch (f.kind()) {
            case TIME -> "a time for " + f.wire() + " (now-1h, now-30m, now-7d, a quoted ISO-8601 instant such as "
                    + "\"2025-01-31T12:00:00Z\", or epoch milliseconds)";
            case UUID -> "a quoted UUID";
            case STATUS -> "a quoted status (" + STATUSES + ")";
            case BOOL -> "true or false";
            case JSON, METADATA -> "a quoted string, a number, true or false";
            case NUMBER -> "a whole number";
            case TEMPLATE -> "a quoted template name or id";
            default -> "a quoted string or a number";
        };
    }
}
