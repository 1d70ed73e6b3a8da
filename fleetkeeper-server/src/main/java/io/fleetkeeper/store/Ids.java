package io.fleetkeeper.store;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Time-ordered UUIDs (RFC 9562 version 7): ordering by id is ordering by creation time, which keeps
 * primary-key inserts append-mostly and gives a natural default sort.
 */
public final class Ids {

    /** The nil UUID, never an object's id; binds where "no id" must still be a valid UUID. */
    public static final UUID NIL = new UUID(0, 0);

    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static UUID newId(Clock clock) {
        long millis = clock.millis();
        long randA = RANDOM.nextInt(1 << 12);
        long msb = (millis << 16) | (0x7L << 12) | randA;
        long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    public static UUID newId() {
        return newId(Clock.systemUTC());
    }

    /** Parses a UUID path or cursor value; {@code null} when it is not one. */
    public static UUID parseOrNull(String text) {
        if (text == null || text.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
