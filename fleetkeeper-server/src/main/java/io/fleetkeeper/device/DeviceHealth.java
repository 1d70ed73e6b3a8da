package io.fleetkeeper.device;

import java.util.List;
import java.util.UUID;

/**
 * A device's health, derived from when it was last heard: {@link #ONLINE} within its expected reporting interval,
 * {@link #STALE} past it, {@link #OFFLINE} past several intervals or never heard. The telemetry feature evaluates
 * it ({@link DeviceService#healthDue}, {@link DeviceService#applyHealth}); the registry stores, counts and
 * filters it like the other derived statuses.
 */
public final class DeviceHealth {

    public static final String ONLINE = "ONLINE";
    public static final String STALE = "STALE";
    public static final String OFFLINE = "OFFLINE";
    public static final List<String> VALUES = List.of(ONLINE, STALE, OFFLINE);

    /** The device event written on every transition. */
    public static final String CHANGED = "HEALTH-CHANGED";

    /** A device whose health is due for evaluation, as read. */
    public record Due(UUID tenantId, UUID deviceId, String deviceType, String health, long lastSeenAt) {
    }

    /**
     * The outcome of evaluating a {@link Due} device: its health becomes {@code to} (the same as before when only
     * the next evaluation moves) and it is due again at {@code nextDueAt} (null: not until it is heard).
     */
    public record Change(UUID deviceId, String from, String to, long lastSeenAt, Long nextDueAt, String details) {
    }

    private DeviceHealth() {
    }
}
