package io.fleetkeeper.pki;

import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.internal.CaRepository;
import io.fleetkeeper.pki.internal.CertificateRepository;
import io.fleetkeeper.pki.internal.CertificateRepository.Row;
import io.fleetkeeper.pki.internal.PolicyRepository;
import io.fleetkeeper.pki.internal.RotationRepository;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.store.Leases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.springframework.context.ApplicationEventPublisher;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The certificate lifecycle worker: moves primary certificates into their renewal, critical and
 * expired windows (device events RENEWAL-DUE, EXPIRING-SOON, EXPIRED and the identity status), issues successors
 * for the primaries in their renewal window of tenants that rotate automatically ({@link RotationService}), ends
 * rotation overlaps, and re-signs CRLs before nextUpdate. It runs on one node at a time (a lease).
 */
@Service
public class PkiLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PkiLifecycle.class);
    private static final Map<String, String> EVENTS = Map.of(IdentityStatus.RENEWAL_PENDING, "RENEWAL-DUE",
            IdentityStatus.EXPIRING_SOON, "EXPIRING-SOON", IdentityStatus.EXPIRED, "EXPIRED");

    private final CertificateRepository certs;
    private final CaRepository cas;
    private final PolicyRepository policies;
    private final CrlService crls;
    private final DeviceService devices;
    private final Leases leases;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final PkiProperties props;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final RotationRepository rotationCandidates;
    private final RotationService rotations;

    PkiLifecycle(RotationRepository rotationCandidates, RotationService rotations, CertificateRepository certs, CaRepository cas, PolicyRepository policies, CrlService crls,
            DeviceService devices, Leases leases, JdbcClient jdbc, PlatformTransactionManager txManager,
            PkiProperties props, ApplicationEventPublisher events, Clock clock) {
        this.certs = certs;
        this.cas = cas;
        this.policies = policies;
        this.crls = crls;
        this.devices = devices;
        this.leases = leases;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(txManager);
        this.props = props;
        this.events = events;
        this.clock = clock;
        this.rotationCandidates = rotationCandidates;
        this.rotations = rotations;
    }

    @Scheduled(initialDelayString = "${fleetkeeper.pki.scheduler-delay-ms:60000}",
            fixedDelayString = "${fleetkeeper.pki.scheduler-delay-ms:60000}")
    void scheduled() {
        if (!leases.tryAcquire("pki-lifecycle", Duration.ofMillis(props.schedulerDelayMs() * 3))) {
            return;
        }
        try {
            tick();
        } catch (RuntimeException e) {
            log.error("PKI lifecycle run failed", e);
        }
    }

    /** One pass; returns how many certificates changed window. Safe to call at any time. */
    public int tick() {
        Instant now = clock.instant();
        int maxWindow = jdbc.sql("SELECT COALESCE(MAX(renewal_window_days), 0) FROM pki_policies")
                .query(Integer.class).single();
        maxWindow = Math.max(maxWindow, PkiPolicy.DEFAULTS.renewalWindowDays());
        long horizon = now.plus(Duration.ofDays(maxWindow)).toEpochMilli();
        Map<UUID, PkiPolicy> policyCache = new HashMap<>();
        int changed = 0;
        for (Row r : certs.expiringPrimaries(horizon, 10_000)) {
            PkiPolicy policy = policyCache.computeIfAbsent(r.tenantId(), policies::get);
            String state = IdentityStatus.window(r.notAfter(), policy, now);
            if (state.equals(r.windowState())) {
                continue;
            }
            tx.executeWithoutResult(s -> {
                certs.setWindowState(r.tenantId(), r.id(), state);
                if (r.deviceId() != null && EVENTS.containsKey(state)) {
                    devices.recordEvent(r.tenantId(), r.deviceId(), EVENTS.get(state), "system",
                            "{\"certificate_id\":\"" + r.id() + "\",\"slot\":\"" + r.slot() + "\",\"not_after\":\""
                                    + r.notAfter() + "\"}");
                    if (r.slot().equals(CertificateService.IDENTITY_SLOT)) {
                        devices.setIdentityStatus(r.tenantId(), r.deviceId(), state);
                    }
                }
            });
            if (state.equals(IdentityStatus.EXPIRED)) {
                events.publishEvent(new CertificateWithdrawn(r.tenantId(), r.id(), r.deviceId(), r.fingerprint(),
                        CertificateWithdrawn.EXPIRED));
            }
            changed++;
        }
        rotate(horizon);
        var ended = tx.execute(s -> certs.endOverlaps(now.toEpochMilli()));
        for (var c : ended) {
            events.publishEvent(new CertificateWithdrawn(c.tenantId(), c.certificate().id(),
                    c.certificate().deviceId(), c.certificate().fingerprint(), CertificateWithdrawn.SUPERSEDED));
        }
        for (var ca : cas.all()) {
            if (ca.encryptedKey() != null) {
                try {
                    crls.current(ca.tenantId(), ca.id());
                } catch (RuntimeException e) {
                    log.warn("cannot refresh CRL of CA {}: {}", ca.id(), e.getMessage());
                }
            }
        }
        return changed;
    }

    /** Issues a successor for each primary in its renewal window whose tenant rotates automatically. */
    private void rotate(long horizon) {
        for (var c : rotationCandidates.candidates(horizon, 1000)) {
            try {
                rotations.start(Caller.system(c.tenantId()), c.deviceId(), c.slot());
            } catch (ApiException e) {
                log.debug("cannot rotate certificate {} of device {}: {}", c.certificateId(), c.deviceId(),
                        e.getMessage());
            }
        }
    }
}
