package io.fleetkeeper.provisioning.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.provisioning.ProvisioningFailed;
import io.fleetkeeper.provisioning.ProvisioningProperties;
import org.springframework.context.ApplicationEventPublisher;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.util.Map;
import java.util.UUID;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import org.springframework.stereotype.Component;

/**
 * Limits failed provisioning attempts per source address and per presented credential: after the
 * limit, further attempts in the same minute get 429 with Retry-After, before any secret is checked.
 * Counted in process memory (per node).
 */
@Component
public class Attempts {

    private static final long WINDOW_MS = 60_000;

    private final Cache<String, AtomicLongArray> failures = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterWrite(Duration.ofMillis(WINDOW_MS * 2)).build();
    private final ProvisioningProperties props;
    private final Clock clock;
    private final AuditService audit;
    private final TransactionTemplate tx;

    private final ApplicationEventPublisher events;

    Attempts(ProvisioningProperties props, Clock clock, AuditService audit, PlatformTransactionManager txm,
            ApplicationEventPublisher events) {
        this.events = events;
        this.props = props;
        this.clock = clock;
        this.audit = audit;
        this.tx = new TransactionTemplate(txm);
    }

    /**
     * Records a rejected attempt: counts it against the address and the credential, and writes an audit
     * entry and a {@link ProvisioningFailed} event (for the outbox) in a transaction of its own (the attempt's
     * own transaction has rolled back). No secret is written.
     */
    public void rejected(UUID tenantId, String actor, String action, String targetType, String targetId,
            String remoteAddr, String credential, String reason) {
        failed(remoteAddr, credential);
        Caller caller = new Caller(tenantId, actor, Role.VIEWER);
        tx.executeWithoutResult(s -> {
            audit.recordDetails(tenantId, caller, action, targetType, targetId,
                    Map.of("remote_addr", remoteAddr, "reason", reason));
            if (tenantId != null) {
                String method = action.replace("device.", "").replace(".rejected", "");
                UUID device = "device".equals(targetType) ? io.fleetkeeper.store.Ids.parseOrNull(targetId) : null;
                events.publishEvent(new ProvisioningFailed(tenantId, method, targetType,
                        "device".equals(targetType) ? null : targetId, device, reason, clock.instant()));
            }
        });
    }

    /** Throws 429 when the address or the credential has failed too often in the current window. */
    public void check(String remoteAddr, String credential) {
        check("ip:" + remoteAddr, props.maxFailuresPerAddress());
        check("cred:" + credential, props.maxFailuresPerCredential());
    }

    public void failed(String remoteAddr, String credential) {
        bump("ip:" + remoteAddr);
        bump("cred:" + credential);
    }

    private void check(String key, int limit) {
        AtomicLongArray w = failures.getIfPresent(key);
        long now = clock.millis();
        if (w != null && now - w.get(0) < WINDOW_MS && w.get(1) >= limit) {
            throw ApiException.rateLimited("too many failed attempts; try again later",
                    (w.get(0) + WINDOW_MS - now + 999) / 1000);
        }
    }

    private void bump(String key) {
        long now = clock.millis();
        AtomicLongArray w = failures.get(key, k -> new AtomicLongArray(new long[] {now, 0}));
        synchronized (w) {
            if (now - w.get(0) >= WINDOW_MS) {
                w.set(0, now);
                w.set(1, 0);
            }
            w.incrementAndGet(1);
        }
    }
}
