package io.fleetkeeper.tenancy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.ApiToken.IssuedToken;
import io.fleetkeeper.tenancy.internal.TokenRepository;
import io.fleetkeeper.tenancy.internal.TokenRepository.TokenGrant;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * API tokens: issue (secret shown once, SHA-256 stored), list, revoke, and authenticate. Verified tokens
 * are cached in process; revocation and tenant suspension purge the cache. Last-used times are
 * coalesced in memory and flushed every few seconds, never written per request.
 */
@Service
public class TokenService {

    public static final String TOKEN_PREFIX = "fk_";
    private static final int MAX_NAME = 100;

    private final TokenRepository tokens;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final Cache<String, TokenGrant> cache;
    private final Map<UUID, Long> lastUsed = new ConcurrentHashMap<>();

    TokenService(TokenRepository tokens, Clock clock, TenancyProperties props,
            ApplicationEventPublisher events) {
        this.events = events;
        this.tokens = tokens;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterWrite(Duration.ofSeconds(props.tokenCacheSeconds())).build();
    }

    /** Issues a token for {@code tenantId}, or a platform token when it is null. */
    @Transactional
    public IssuedToken create(UUID tenantId, Caller actor, String name, String role, Instant expiresAt) {
        Role parsed = tenantId == null ? Role.PLATFORM : Role.tenantRole(role);
        Violations v = new Violations().required("name", name).maxLength("name", name, MAX_NAME);
        if (tenantId != null && parsed == null) {
            v.add("role", "must be one of admin, operator, viewer");
        }
        if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
            v.add("expires_at", "must be in the future");
        }
        v.throwIfAny();
        IssuedToken issued = insert(tenantId, name, parsed, expiresAt, actor.actor(), Secrets.generate(TOKEN_PREFIX));
        events.publishEvent(new TenancyAction(tenantId, actor, "token.create", "api_token",
                issued.token().id().toString(), "{\"role\":\"" + parsed.wire() + "\"}"));
        return issued;
    }

    /** Stores a token whose secret the caller chose or generated; used by tenant creation and bootstrap. */
    IssuedToken insert(UUID tenantId, String name, Role role, Instant expiresAt, String createdBy, String secret) {
        Instant now = io.fleetkeeper.store.Times.now(clock);
        ApiToken token = new ApiToken(Ids.newId(clock), name, role, secret.substring(0, TOKEN_PREFIX.length() + 6),
                createdBy, now, expiresAt, null, null);
        tokens.insert(tenantId, token, Secrets.sha256(secret));
        return new IssuedToken(token, secret);
    }

    public Page<ApiToken> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("token", cursor, limit, (after, fetch) -> tokens.list(tenantId, after, fetch),
                ApiToken::id);
    }

    public ApiToken get(UUID tenantId, UUID id) {
        return tokens.find(tenantId, id).orElseThrow(() -> ApiException.notFound("token"));
    }

    @Transactional
    public ApiToken revoke(UUID tenantId, UUID id, Caller actor) {
        get(tenantId, id);
        tokens.revoke(id, clock.millis());
        events.publishEvent(
                new TenancyAction(tenantId, actor, "token.revoke", "api_token", id.toString(), null));
        var revoked = new TokenRevoked(tenantId, id);
        AfterCommit.run(() -> {
            forget(id);
            events.publishEvent(revoked);
        });
        return get(tenantId, id);
    }

    /**
     * Installs the platform bootstrap token when no platform token exists yet: {@code secret} when given,
     * a generated one otherwise. Returns the installed secret, or null when one already existed.
     */
    @Transactional
    public String installBootstrapToken(String secret) {
        if (tokens.countPlatformTokens() > 0) {
            return null;
        }
        String chosen = secret != null ? secret : Secrets.generate(TOKEN_PREFIX);
        insert(null, "bootstrap", Role.PLATFORM, null, "system", chosen);
        return chosen;
    }

    /** Drops every cached grant; called when a tenant is suspended or resumed (here or on another node). */
    public void invalidateAll() {
        cache.invalidateAll();
    }

    /** Drops the cached grant of one token; called when it was revoked (here or on another node). */
    public void forget(UUID tokenId) {
        cache.asMap().values().removeIf(g -> g.id().equals(tokenId));
    }

    /** Resolves an {@code fk_} bearer secret to its caller, or fails with 401. */
    public Caller authenticate(String secret) {
        String hash = Secrets.sha256(secret);
        TokenGrant grant = cache.getIfPresent(hash);
        if (grant == null) {
            grant = tokens.findByHash(hash).orElse(null);
            if (grant == null) {
                throw new ApiException(ErrorCode.UNAUTHENTICATED, "token is not valid");
            }
            cache.put(hash, grant);
        }
        if (!Secrets.sameDigest(grant.tokenHash(), hash)) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "token is not valid");
        }
        long now = clock.millis();
        if (grant.revokedAt() != null || (grant.expiresAt() != null && grant.expiresAt() <= now)) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "token is revoked or expired");
        }
        if (grant.tenantId() != null && !"ACTIVE".equals(grant.tenantStatus())) {
            throw new ApiException(ErrorCode.TENANT_SUSPENDED, "the tenant is suspended");
        }
        lastUsed.merge(grant.id(), now, Math::max);
        return new Caller(grant.tenantId(), "token:" + grant.id(), grant.role());
    }

    @Scheduled(fixedDelayString = "${fleetkeeper.auth.last-used-flush-ms:5000}")
    void flushLastUsed() {
        if (lastUsed.isEmpty()) {
            return;
        }
        Map<UUID, Long> batch = new HashMap<>();
        for (UUID id : List.copyOf(lastUsed.keySet())) {
            Long at = lastUsed.remove(id);
            if (at != null) {
                batch.put(id, at);
            }
        }
        tokens.touch(batch);
    }
}
