package io.fleetkeeper.ota;

import java.util.List;
import java.util.UUID;

/** {@code POST /api/v1/campaigns}: the firmware and the devices (by id) that should install it. */
public record NewCampaign(UUID firmwareId, Target target) {

    /** The devices of the campaign; only explicit ids so far. */
    public record Target(List<UUID> deviceIds) {
    }
}
