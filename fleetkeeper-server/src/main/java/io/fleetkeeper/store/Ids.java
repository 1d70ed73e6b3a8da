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

    private static long lastMillis;
    private static long counter;

    /**
     * A new id. Within one process ids strictly increase: the 12-bit {@code rand_a} field is a counter
     * within the millisecond (RFC 9562 method 1), seeded randomly each new millisecond.
     */
    public static UUID newId(Clock clock) {
        long millis;
        long seq;
        synchronized (Ids.class) {
            millis = Math.max(clock.millis(), lastMillis);
            if (millis == lastMillis) {
                counter++;
                if (counter > 0xFFF) {
                    millis++;
                    counter = RANDOM.nextInt(1 << 10);
                }
            } else {
                counter = RANDOM.nextInt(1 << 10);
            }
            lastMillis = millis;
            seq = counter;
        }
        long msb = (millis << 16) | (0x7L << 12) | seq;
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
