package io.fleetkeeper.telemetry;

import java.util.List;
import java.util.UUID;

/** A device of a fleet-level page with the latest values of the metrics asked for (those it has). */
public record DeviceLatest(UUID deviceId, String name, List<LatestValue> values) {
}
