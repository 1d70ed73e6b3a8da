package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.carrier.CarrierPlan;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One carrier's API, as Fleetkeeper uses it. A provider that cannot do an operation says so in
 * {@link #capabilities()} and throws {@link CarrierException.Kind#UNSUPPORTED} if asked anyway. Every failure of
 * the carrier (refused key, rate limit, timeout, an answer that is not what its API documents) is a
 * {@link CarrierException}, never another exception.
 */
public interface CarrierProvider {

    /** What a provider can do. */
    enum Capability { CLAIM_SIM, LIST_PLANS, CHANGE_STATE, DEVICE_INFO, USAGE, BULK_USAGE, SMS }

    /** The state change a client asks for, in the carrier-neutral words of the API. */
    enum State { LIVE, PAUSE, DEACTIVATE }

    /** Where the carrier is and who we are there; {@code orgId} may be null when the key's default applies. */
    record Account(String baseUrl, String apiKey, @Nullable String orgId) {
    }

    /** A claimed SIM: the carrier's id of the device it created and of the SIM's link. */
    record Claimed(String carrierDeviceId, @Nullable String carrierLinkId) {
    }

    /**
     * What the carrier says of one SIM now: its state in the carrier's words, whether a data session is open
     * (null when unknown), the network last used, the plan.
     */
    record SimInfo(@Nullable String carrierState, @Nullable Boolean sessionOpen, @Nullable String networkName,
            @Nullable String plan) {
    }

    String carrier();

    Set<Capability> capabilities();

    List<CarrierPlan> plans(Account account);

    Claimed claimSim(Account account, String iccid, String plan, @Nullable String zone);

    void changeState(Account account, String carrierDeviceId, State state);

    SimInfo info(Account account, String carrierDeviceId);

    /** Bytes one SIM used since {@code from}. */
    long usage(Account account, String carrierLinkId, Instant from);

    /** Bytes used since {@code from} by every SIM of the account, by the SIM link's carrier id. */
    Map<String, Long> bulkUsage(Account account, Instant from, int maxPages);

    /** Sends an SMS to the device; answers the number of messages queued. */
    int sendSms(Account account, String carrierDeviceId, String body, @Nullable String fromNumber);

    /** The carrier-neutral SIM status ({@code ACTIVE}, {@code PAUSED}, ...) for a state in the carrier's words. */
    String simStatus(@Nullable String carrierState);
}
