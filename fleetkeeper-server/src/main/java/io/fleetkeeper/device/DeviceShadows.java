package io.fleetkeeper.device;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What the registry asks about device shadows: the fleet query field {@code shadow.reported.PATH}. The shadow
 * feature provides it, so neither the device nor the fleet feature reads the shadow tables, and the shadow
 * feature does not read the device tables.
 */
public interface DeviceShadows {

    /** Most segments of a path: the shadow's default depth limit ({@code fleetkeeper.shadow.max-depth}). */
    int MAX_PATH_DEPTH = 8;

    /** One path segment: a shadow key of ASCII letters, digits, {@code _} and {@code -}, at most 128 long. */
    Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    /** How the reported value is tested; {@code !=} and {@code NOT IN} are the negations of EQ and IN. */
    enum Comparison {
        EQ, IN, LT, LE, GT, GE, EXISTS;

        /** The SQL operator of a test of one value ({@code =} for EQ and each value of IN). */
        public String operator() {
            return switch (this) {
                case EQ, IN -> "=";
                case LT -> "<";
                case LE -> "<=";
                case GT -> ">";
                case GE -> ">=";
                case EXISTS -> throw new IllegalStateException("EXISTS tests no value");
            };
        }

        /** Throws unless {@code count} values suit: none for EXISTS, one or more for IN, exactly one otherwise. */
        public void checkValues(int count) {
            if ((this == EXISTS) != (count == 0) || this != IN && count > 1) {
                throw new IllegalArgumentException(this + " with " + count + " values");
            }
        }
    }

    /**
     * A condition that holds when the classic shadow of the device whose id is {@code deviceId} exists (not
     * deleted) and its reported value at {@code path} (object keys, outermost first; never array indexes) passes
     * the test. Each value is a {@link String} (matches JSON strings only, compared by code point), a
     * {@link java.math.BigDecimal} (JSON numbers only, compared numerically) or a {@link Boolean} (JSON booleans,
     * EQ and IN only); EXISTS takes none. The condition is never SQL NULL: a device without the shadow or the
     * value does not match, and {@code NOT (…)} is its exact complement. Otherwise the contract of a condition
     * provider applies (see {@link DeviceConnections#connected}): it correlates only through the SQL expression
     * {@code deviceId}, names only the shadow feature's tables and binds every value.
     *
     * @throws IllegalArgumentException when the path or a value is outside these rules
     */
    DeviceCondition reported(UUID tenantId, String deviceId, List<String> path, Comparison comparison,
            List<Object> values);
}
