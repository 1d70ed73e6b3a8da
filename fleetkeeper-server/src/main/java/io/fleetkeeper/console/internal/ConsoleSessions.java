package io.fleetkeeper.console.internal;

import io.fleetkeeper.console.ConsoleProperties;
import io.fleetkeeper.console.internal.SessionRepository.Row;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Console sessions, in the database so that they survive a restart and work on every node: the browser holds a
 * random 256-bit id in a cookie, the table holds only its SHA-256. A session signed in with an API token keeps
 * that token sealed ({@link Sealer}, bound to the row) and never sends it back to the browser; an OIDC session
 * keeps the caller the identity provider named. The CSRF token is derived from the id (so it is never stored).
 * A session ends on sign-out (the row is deleted), after {@code fleetkeeper.console.session-idle} without use and
 * at {@code fleetkeeper.console.session-max} after sign-in, whichever comes first.
 */
@Component
public class ConsoleSessions {

    /**
     * A signed-in browser: the API token it acts with (token sessions), or the caller its OIDC sign-in named (OIDC
     * sessions), and the CSRF token its forms carry.
     */
    public record Session(String token, Caller caller, String csrf) {
    }

    /** A new session: the id for the cookie, and the session. */
    public record Opened(String id, Session session) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** The last-used time is written at most this often per session (idle expiry is coarse by this much). */
    private static final long TOUCH_MILLIS = 60_000;

    private final SessionRepository rows;
    private final Sealer sealer;
    private final Clock clock;
    private final long idleMillis;
    private final long maxMillis;

    ConsoleSessions(SessionRepository rows, Sealer sealer, Clock clock, ConsoleProperties properties) {
        this.rows = rows;
        this.sealer = sealer;
        this.clock = clock;
        this.idleMillis = properties.sessionIdle().toMillis();
        this.maxMillis = properties.sessionMax().toMillis();
    }

    /** A session acting with the API token {@code token}. */
    public Opened open(String token) {
        String id = randomToken();
        String hash = hash(id);
        long now = clock.millis();
        rows.insert(new Row(hash, "token", sealer.seal(token.getBytes(StandardCharsets.UTF_8), bound(hash)), null,
                null, null, now, now, now + maxMillis));
        return new Opened(id, new Session(token, null, csrf(id)));
    }

    /** A session acting as {@code caller} (from an OIDC sign-in) until {@code until} at the latest. */
    public Opened open(Caller caller, Instant until) {
        String id = randomToken();
        String hash = hash(id);
        long now = clock.millis();
        long expires = until == null ? now + maxMillis : Math.min(until.toEpochMilli(), now + maxMillis);
        rows.insert(new Row(hash, "oidc", null, caller.tenantId(), caller.actor(), caller.role().name(), now, now,
                expires));
        return new Opened(id, new Session(null, caller, csrf(id)));
    }

    /** The live session of {@code id}, its idle time restarted; empty when unknown, idle too long or expired. */
    public Optional<Session> find(String id) {
        return find(id, true);
    }

    /**
     * The live session of {@code id} without counting this as use (an open page's event stream checking that its
     * session still holds must not keep an unattended session from idling out).
     */
    public Optional<Session> peek(String id) {
        return find(id, false);
    }

    private Optional<Session> find(String id, boolean use) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return Optional.empty();
        }
        String hash = hash(id);
        Row row = rows.find(hash).orElse(null);
        if (row == null) {
            return Optional.empty();
        }
        long now = clock.millis();
        if (now >= row.expiresAt() || now - row.lastUsedAt() > idleMillis) {
            rows.delete(hash);
            return Optional.empty();
        }
        if (use && now - row.lastUsedAt() >= TOUCH_MILLIS) {
            rows.touch(hash, now);
        }
        if (row.tokenSealed() != null) {
            String token;
            try {
                token = new String(sealer.open(row.tokenSealed(), bound(hash)), StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                return Optional.empty();
            }
            return Optional.of(new Session(token, null, csrf(id)));
        }
        return Optional.of(new Session(null, new Caller(row.tenantId(), row.actor(), Role.valueOf(row.role())),
                csrf(id)));
    }

    public void close(String id) {
        if (id != null && !id.isEmpty() && id.length() <= 100) {
            rows.delete(hash(id));
        }
    }

    /** A fresh 256-bit random value, URL-safe. */
    public static String randomToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Whether two secrets are equal, in time that does not depend on where they differ. */
    public static boolean same(String expected, String given) {
        if (expected == null || given == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    /** The SHA-256 of {@code value}, URL-safe base64 without padding. */
    public static String sha256(String value) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest(value));
    }

    @Scheduled(fixedDelay = 60_000)
    void expire() {
        long now = clock.millis();
        rows.deleteExpired(now, now - idleMillis);
    }

    private static String csrf(String id) {
        return sha256("csrf:" + id);
    }

    private static String bound(String hash) {
        return "console_session:" + hash;
    }

    private static String hash(String id) {
        return HexFormat.of().formatHex(digest(id));
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
