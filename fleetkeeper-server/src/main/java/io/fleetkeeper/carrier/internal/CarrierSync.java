package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.carrier.CarrierIntegration;
import io.fleetkeeper.carrier.CarrierProperties;
import io.fleetkeeper.carrier.DeviceSim;
import io.fleetkeeper.carrier.internal.CarrierProvider.Account;
import io.fleetkeeper.carrier.internal.CarrierProvider.Capability;
import io.fleetkeeper.carrier.internal.CarrierProvider.SimInfo;
import io.fleetkeeper.carrier.internal.IntegrationRepository.Stored;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.store.Leases;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The carrier sync: on one node at a time (lease {@code carrier-sync}), every integration whose sync is due gets
 * one bulk usage call for the month so far (Hologram: one organisation-level call, paged) and a state read of its
 * {@code info-per-sync} least recently read SIMs. A SIM whose status changes gets a {@code SIM-STATUS-CHANGED}
 * device event. A carrier failure never stops the worker: it is recorded on the integration ({@code FAILING},
 * {@code last_error}) and the integration is tried again after an exponential backoff, or after the carrier's
 * {@code Retry-After}, at most {@code max-backoff} later.
 */
@Component
public class CarrierSync {

    static final String LEASE = "carrier-sync";
    private static final Logger log = LoggerFactory.getLogger(CarrierSync.class);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(30);

    private final IntegrationRepository integrations;
    private final SimRepository sims;
    private final CarrierProviders providers;
    private final Sealer vault;
    private final DeviceService devices;
    private final Leases leases;
    private final CarrierProperties props;
    private final Clock clock;
    private final TransactionTemplate tx;

    CarrierSync(IntegrationRepository integrations, SimRepository sims, CarrierProviders providers, Sealer vault,
            DeviceService devices, Leases leases, CarrierProperties props, Clock clock,
            PlatformTransactionManager txManager) {
        this.integrations = integrations;
        this.sims = sims;
        this.providers = providers;
        this.vault = vault;
        this.devices = devices;
        this.leases = leases;
        this.props = props;
        this.clock = clock;
        this.tx = new TransactionTemplate(txManager);
    }

    @Scheduled(initialDelayString = "${fleetkeeper.carrier.poll-interval:10s}",
            fixedDelayString = "${fleetkeeper.carrier.poll-interval:10s}")
    void poll() {
        if (!props.syncEnabled()) {
            return;
        }
        try {
            Duration ttl = props.pollInterval().multipliedBy(3).plusSeconds(30);
            if (!leases.tryAcquire(LEASE, ttl)) {
                return;
            }
            for (Stored s : integrations.due(clock.millis(), 20)) {
                sync(s);
            }
        } catch (RuntimeException e) {
            log.warn("carrier sync failed: {}", e.toString());
        }
    }

    /** The account to call the carrier with: base URL, the unsealed key, organisation. */
    public Account account(Stored s) {
        CarrierIntegration c = s.integration();
        String key = new String(vault.open(s.sealedKey(), "carrier_integration:" + c.id()), StandardCharsets.UTF_8);
        return new Account(c.baseUrl(), key, c.orgId());
    }

    /** Syncs one integration and records the outcome on it; never throws for a carrier's failure. */
    public void sync(Stored s) {
        CarrierIntegration c = s.integration();
        CarrierProvider provider = providers.get(c.carrier());
        Instant now = clock.instant();
        if (provider == null) {
            integrations.recordOutcome(c, CarrierIntegration.FAILING,
                    "carrier '" + c.carrier() + "' is not supported", c.failures() + 1, null, now.plus(props.maxBackoff()));
            return;
        }
        try {
            Account account = account(s);
            if (provider.capabilities().contains(Capability.BULK_USAGE)) {
                Map<String, Long> usage = provider.bulkUsage(account, monthStart(now), props.usagePages());
                tx.executeWithoutResult(t -> {
                    sims.resetUsage(c.tenantId(), c.id(), now.toEpochMilli());
                    usage.forEach((link, bytes) -> sims.recordUsage(c.tenantId(), c.id(), link, bytes,
                            now.toEpochMilli()));
                });
            }
            if (provider.capabilities().contains(Capability.DEVICE_INFO)) {
                for (SimRepository.Stored sim : sims.stalestInfo(c.tenantId(), c.id(), props.infoPerSync())) {
                    refresh(provider, account, sim, false);
                }
            }
            integrations.recordOutcome(c, CarrierIntegration.OK, null, 0, now,
                    now.plus(props.syncInterval()));
        } catch (CarrierException e) {
            int failures = c.failures() + 1;
            Duration wait = e.retryAfter() != null ? e.retryAfter()
                    : FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 20));
            wait = min(max(wait, props.pollInterval()), props.maxBackoff());
            integrations.recordOutcome(c, CarrierIntegration.FAILING, e.getMessage(), failures,
                    null, now.plus(wait));
            log.info("carrier integration {} ({}): sync failed ({}), next try in {} s", c.id(), c.carrier(),
                    e.getMessage(), wait.toSeconds());
        }
    }

    /**
     * Reads one SIM's state (and, with {@code usage}, its month's usage); in a sync a SIM the carrier refuses to
     * describe is skipped, any other failure ends the sync.
     */
    public void refresh(CarrierProvider provider, Account account, SimRepository.Stored stored, boolean usage) {
        DeviceSim sim = stored.sim();
        SimInfo info;
        try {
            info = provider.info(account, sim.carrierDeviceId());
            if (usage && stored.carrierLinkId() != null && provider.capabilities().contains(Capability.USAGE)) {
                long bytes = provider.usage(account, stored.carrierLinkId(), monthStart(clock.instant()));
                sims.recordUsage(stored.tenantId(), sim.integrationId(), stored.carrierLinkId(), bytes,
                        clock.millis());
            }
        } catch (CarrierException e) {
            if (usage || e.kind() != CarrierException.Kind.REJECTED) {
                throw e;
            }
            sims.recordInfo(stored.tenantId(), sim.deviceId(), sim.simStatus(), sim.carrierState(),
                    sim.networkStatus(), sim.networkName(), null, clock.millis());
            return;
        }
        String status = provider.simStatus(info.carrierState());
        String network = info.sessionOpen() == null ? DeviceSim.UNKNOWN
                : info.sessionOpen() ? "ONLINE" : "OFFLINE";
        tx.executeWithoutResult(t -> {
            sims.recordInfo(stored.tenantId(), sim.deviceId(), status, info.carrierState(), network,
                    info.networkName(), info.plan(), clock.millis());
            if (!Objects.equals(status, sim.simStatus())) {
                devices.recordEvent(stored.tenantId(), sim.deviceId(), SimEvents.STATUS_CHANGED, "system",
                        SimEvents.statusChanged(sim.simStatus(), status, info.carrierState(),
                        usage ? "refresh" : "sync"));
            }
        });
    }

    private static Instant monthStart(Instant now) {
        return YearMonth.from(now.atZone(ZoneOffset.UTC)).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
