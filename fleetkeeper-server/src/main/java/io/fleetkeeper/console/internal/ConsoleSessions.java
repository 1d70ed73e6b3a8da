package io.fleetkeeper.console.internal;

import io.fleetkeeper.console.ConsoleProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Console sessions, in this process's memory: the browser holds a random session id in a cookie, the server
 * keeps the API token the operator signed in with (never sent back to the browser) and the session's CSRF token.
 * Sessions are keyed by the SHA-256 of the id, forgotten after {@code fleetkeeper.console.session-idle} without
 * use, and lost on restart (the operator signs in again). Behind a load balancer they need sticky sessions.
 */
@Component
public class ConsoleSessions {

    /** A signed-in browser: the API token it acts with and the CSRF token its forms carry. */
    public record Session(String token, String csrf, long lastUsedMillis) {
    }

    /** A new session: the id for the cookie, and the session. */
    public record Opened(String id, Session session) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long idleMillis;

    ConsoleSessions(Clock clock, ConsoleProperties properties) {
        this.clock = clock;
        this.idleMillis = properties.sessionIdle().toMillis();
    }

    public Opened open(String token) {
        String id = randomToken();
        Session s = new Session(token, randomToken(), clock.millis());
        sessions.put(hash(id), s);
        return new Opened(id, s);
    }

    /** The live session of {@code id}, its idle time restarted; empty when unknown or idle too long. */
    public Optional<Session> find(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return Optional.empty();
        }
        long now = clock.millis();
        Session s = sessions.computeIfPresent(hash(id), (k, cur) -> now - cur.lastUsedMillis() > idleMillis ? null
                : new Session(cur.token(), cur.csrf(), now));
        return Optional.ofNullable(s);
    }

    public void close(String id) {
        if (id != null) {
            sessions.remove(hash(id));
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

    @Scheduled(fixedDelay = 60_000)
    void expire() {
        long now = clock.millis();
        sessions.values().removeIf(s -> now - s.lastUsedMillis() > idleMillis);
    }

    private static String hash(String id) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
