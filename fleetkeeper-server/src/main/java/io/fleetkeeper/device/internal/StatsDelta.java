package io.fleetkeeper.device.internal;

import io.fleetkeeper.device.Device;
import java.util.HashMap;
import java.util.Map;

/** Accumulates count changes for {@link StatsRepository#apply}. */
public final class StatsDelta {

    private final Map<String, Long> deltas = new HashMap<>();

    public StatsDelta add(Device d, long sign) {
        bump("total", "", sign);
        bump("status", d.status().wire(), sign);
        bump("type", d.deviceType(), sign);
        bump("site", d.site() == null ? "" : d.site().toString(), sign);
        bump("identity", d.identityStatus(), sign);
        bump("health", d.health(), sign);
        bump("firmware", StatsRepository.present(d.firmwareVersion()), sign);
        return this;
    }

    public StatsDelta change(Device before, Device after) {
        return add(before, -1).add(after, 1);
    }

    private void bump(String dimension, String value, long by) {
        deltas.merge(dimension + "\n" + value, by, Long::sum);
    }

    public Map<String, Long> deltas() {
        return deltas;
    }
}
