package io.fleetkeeper.fleet.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceConnections;
import io.fleetkeeper.device.DeviceShadows;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.fleet.FleetQuery.And;
import io.fleetkeeper.fleet.FleetQuery.At;
import io.fleetkeeper.fleet.FleetQuery.Bool;
import io.fleetkeeper.fleet.FleetQuery.Expr;
import io.fleetkeeper.fleet.FleetQuery.Not;
import io.fleetkeeper.fleet.FleetQuery.Num;
import io.fleetkeeper.fleet.FleetQuery.Op;
import io.fleetkeeper.fleet.FleetQuery.Or;
import io.fleetkeeper.fleet.FleetQuery.Predicate;
import io.fleetkeeper.fleet.FleetQuery.Prefix;
import io.fleetkeeper.fleet.FleetQuery.Relative;
import io.fleetkeeper.fleet.FleetQuery.Text;
import io.fleetkeeper.fleet.FleetQuery.Value;
import io.fleetkeeper.store.Dialect;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Compiles a query tree into a condition on {@code devices d}. SQL text comes only from the field whitelist
 * and fixed fragments; every value is a bound parameter. Each predicate is two-valued (a missing value is
 * false, never NULL), so {@code NOT} is an exact complement and {@code !=} is {@code NOT =} on both stores.
 * Ordered text comparisons use code-point order on both stores ({@code COLLATE "C"} on PostgreSQL).
 * {@code connected} and {@code shadow.reported.PATH} come from the features owning that state, as conditions on
 * {@code d} with the same two-valued promise.
 */
public final class SqlCompiler {

    private final String tenant;
    private final long now;
    private final Dialect dialect;
    private final DeviceConnections connections;
    private final DeviceShadows shadows;
    private final StringBuilder sql = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    private final UUID tenantId;

    private SqlCompiler(UUID tenantId, Instant now, Dialect dialect, DeviceConnections connections,
            DeviceShadows shadows) {
        this.tenantId = tenantId;
        this.tenant = tenantId.toString();
        this.now = now.toEpochMilli();
        this.dialect = dialect;
        this.connections = connections;
        this.shadows = shadows;
    }

    /** Compiles without connection state and shadows: a query naming {@code connected} or a shadow is refused. */
    public static DeviceCondition compile(Expr root, UUID tenantId, Instant now, Dialect dialect) {
        return compile(root, tenantId, now, dialect, null, null);
    }

    /**
     * {@code connections} supplies the condition behind {@code connected}, {@code shadows} the one behind
     * {@code shadow.reported.PATH}; each may be null when no query needs it.
     */
    public static DeviceCondition compile(Expr root, UUID tenantId, Instant now, Dialect dialect,
            DeviceConnections connections, DeviceShadows shadows) {
        SqlCompiler c = new SqlCompiler(tenantId, now, dialect, connections, shadows);
        c.expr(root);
        return new DeviceCondition(c.sql.toString(), c.params);
    }

    private void expr(Expr e) {
        switch (e) {
            case And a -> binary(a.left(), " AND ", a.right());
            case Or o -> binary(o.left(), " OR ", o.right());
            case Not n -> {
                sql.append("NOT (");
                expr(n.inner());
                sql.append(')');
            }
            case Predicate p -> predicate(p);
        }
    }

    private void binary(Expr left, String op, Expr right) {
        sql.append('(');
        expr(left);
        sql.append(op);
        expr(right);
        sql.append(')');
    }

    private void predicate(Predicate p) {
        if (p.op() == Op.NE) {
            sql.append("NOT (");
            predicate(new Predicate(p.field(), Op.EQ, p.values()));
            sql.append(')');
            return;
        }
        QueryField f = QueryField.of(p.field().name());
        switch (f.kind()) {
            case TAG -> {
                sql.append("d.id IN (SELECT t.device_id FROM device_tags t WHERE t.tenant_id = ?");
                params.add(tenant);
                if (p.op() != Op.EXISTS) {
                    sql.append(" AND ");
                    test("t.tag", true, p);
                }
                sql.append(')');
            }
            case METADATA -> {
                sql.append("d.id IN (SELECT m.device_id FROM device_metadata m WHERE m.tenant_id = ? AND m.key = ?");
                params.add(tenant);
                params.add(p.field().key());
                if (p.op() != Op.EXISTS) {
                    sql.append(" AND ");
                    test("m.value", true, p);
                }
                sql.append(')');
            }
            case BOOL -> connected(p);
            case JSON -> reported(p);
            default -> {
                if (p.op() == Op.EXISTS) {
                    sql.append(f.column()).append(" IS NOT NULL");
                } else if (f.nullable()) {
                    sql.append('(').append(f.column()).append(" IS NOT NULL AND ");
                    test(f.column(), f.kind() == QueryField.Kind.TEXT, p);
                    sql.append(')');
                } else {
                    test(f.column(), f.kind() == QueryField.Kind.TEXT, p);
                }
            }
        }
    }

    /**
     * {@code connected}: every device has a value (a never-connected device is not connected), so EXISTS is
     * always true and {@code = false} is the exact complement of {@code = true}.
     */
    private void connected(Predicate p) {
        boolean wantTrue = false;
        boolean wantFalse = false;
        for (Value v : p.values()) {
            boolean b = ((Text) v).value().equals("true");
            wantTrue |= b;
            wantFalse |= !b;
        }
        if (p.op() == Op.EXISTS || wantTrue && wantFalse) {
            sql.append("1 = 1");
            return;
        }
        if (connections == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY,
                    "field 'connected' is not available");
        }
        DeviceCondition live = connections.connected(tenantId);
        sql.append(wantTrue ? "(" : "NOT (").append(live.sql()).append(')');
        params.addAll(live.params());
    }

    /**
     * {@code shadow.reported.PATH}: the shadow feature's condition, two-valued like every other predicate (a
     * device without the shadow or the value does not match).
     */
    private void reported(Predicate p) {
        if (shadows == null) {
            throw new ApiException(ErrorCode.INVALID_QUERY,
                    "field 'shadow.reported' is not available");
        }
        Comparison comparison = switch (p.op()) {
            case EQ -> Comparison.EQ;
            case IN -> Comparison.IN;
            case LT -> Comparison.LT;
            case LE -> Comparison.LE;
            case GT -> Comparison.GT;
            case GE -> Comparison.GE;
            case EXISTS -> Comparison.EXISTS;
            case NE -> throw new IllegalStateException("!= compiles as NOT =");
        };
        List<Object> values = p.values().stream().map(this::bind).toList();
        DeviceCondition c = shadows.reported(tenantId, List.of(p.field().key().split("\\.")), comparison, values);
        sql.append('(').append(c.sql()).append(')');
        params.addAll(c.params());
    }

    /** {@code column op value(s)}; {@code text} columns compare by code point. */
    private void test(String column, boolean text, Predicate p) {
        Value first = p.values().getFirst();
        switch (p.op()) {
            case EQ -> {
                if (first instanceof Prefix prefix) {
                    // substr counts characters on both stores; exact where LIKE would differ in case folding.
                    sql.append("substr(").append(column).append(", 1, ?) = ?");
                    params.add(prefix.value().codePointCount(0, prefix.value().length()));
                    params.add(prefix.value());
                } else {
                    sql.append(column).append(" = ?");
                    params.add(bind(first));
                }
            }
            case IN -> {
                sql.append(column).append(" IN (").append(String.join(", ", Collections.nCopies(p.values().size(),
                        "?"))).append(')');
                p.values().forEach(v -> params.add(bind(v)));
            }
            case LT, LE, GT, GE -> {
                sql.append(column);
                if (text && dialect == Dialect.POSTGRESQL) {
                    sql.append(" COLLATE \"C\"");
                }
                sql.append(' ').append(p.op().symbol()).append(" ?");
                params.add(bind(first));
            }
            default -> throw new IllegalStateException("not a value test: " + p.op());
        }
    }

    private Object bind(Value v) {
        return switch (v) {
            case Text t -> t.value();
            case Prefix p -> p.value();
            case At a -> a.epochMillis();
            case Relative r -> now + r.offsetMillis();
            case Num n -> n.value();
            case Bool b -> b.value();
        };
    }
}
