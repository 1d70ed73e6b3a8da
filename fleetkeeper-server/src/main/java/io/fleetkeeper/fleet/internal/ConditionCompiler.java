package io.fleetkeeper.fleet.internal;

import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceConditions;
import io.fleetkeeper.device.DeviceConditions.Test;
import io.fleetkeeper.device.DeviceField;
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
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Compiles a query tree into a {@link DeviceCondition}: the boolean structure here ({@code AND}, {@code OR},
 * {@code NOT}; {@code !=} as {@code NOT =}), each predicate by the device feature ({@link DeviceConditions}),
 * which alone writes SQL over its tables. Values reach it bound: relative times resolved against {@code now},
 * prefixes as their own test.
 */
public final class ConditionCompiler {

    private final UUID tenantId;
    private final long now;
    private final DeviceConditions conditions;

    private ConditionCompiler(UUID tenantId, Instant now, DeviceConditions conditions) {
        this.tenantId = tenantId;
        this.now = now.toEpochMilli();
        this.conditions = conditions;
    }

    public static DeviceCondition compile(Expr root, UUID tenantId, Instant now, DeviceConditions conditions) {
        return new ConditionCompiler(tenantId, now, conditions).expr(root);
    }

    private DeviceCondition expr(Expr e) {
        return switch (e) {
            case And a -> DeviceCondition.and(expr(a.left()), expr(a.right()));
            case Or o -> DeviceCondition.or(expr(o.left()), expr(o.right()));
            case Not n -> DeviceCondition.not(expr(n.inner()));
            case Predicate p -> predicate(p);
        };
    }

    private DeviceCondition predicate(Predicate p) {
        if (p.op() == Op.NE) {
            return DeviceCondition.not(predicate(new Predicate(p.field(), Op.EQ, p.values())));
        }
        Test test = switch (p.op()) {
            case EQ -> p.values().getFirst() instanceof Prefix ? Test.PREFIX : Test.EQ;
            case IN -> Test.IN;
            case LT -> Test.LT;
            case LE -> Test.LE;
            case GT -> Test.GT;
            case GE -> Test.GE;
            case EXISTS -> Test.EXISTS;
            case NE -> throw new IllegalStateException("!= compiles as NOT =");
        };
        List<Object> values = p.values().stream().map(this::bind).toList();
        return conditions.test(tenantId, DeviceField.of(p.field().name()), p.field().key(), test, values);
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
