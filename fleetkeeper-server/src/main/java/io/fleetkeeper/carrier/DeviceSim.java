package io.fleetkeeper.carrier;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A device's SIM at a carrier: the integration serving it, the ICCID, the plan, and what the last sync saw.
 * {@code simStatus} is {@code ACTIVE}, {@code PAUSED}, {@code DEACTIVATED}, {@code PENDING} or {@code UNKNOWN}
 * ({@code carrierState} keeps the carrier's own word); {@code networkStatus} is {@code ONLINE} (a data session is
 * open), {@code OFFLINE} or {@code UNKNOWN}. Data used counts the current calendar month (UTC), in MB of
 * 1,048,576 bytes.
 */
public record DeviceSim(UUID deviceId, UUID integrationId, String carrier, String iccid, @Nullable String plan,
        String carrierDeviceId, String simStatus, @Nullable String carrierState, String networkStatus,
        @Nullable String networkName, double dataUsedMb, Instant linkedAt, @Nullable Instant lastSyncAt,
        long version) {

    public static final String ACTIVE = "ACTIVE";
    public static final String PAUSED = "PAUSED";
    public static final String DEACTIVATED = "DEACTIVATED";
    public static final String PENDING = "PENDING";
    public static final String UNKNOWN = "UNKNOWN";

    /** What a client sends to provision a SIM for a device. */
    public record Fields(@Nullable UUID integrationId, @Nullable String iccid, @Nullable String plan,
            @Nullable String zone) {
    }

    /** A state change: {@code live}, {@code pause} or {@code deactivate}. */
    public record StateChange(@Nullable String state) {
    }

    /** An SMS to the device; {@code fromNumber} is the sender shown, optional. */
    public record Sms(@Nullable String body, @Nullable String fromNumber) {
    }

    /** How many messages the carrier queued. */
    public record SmsSent(int messages) {
    }
}
