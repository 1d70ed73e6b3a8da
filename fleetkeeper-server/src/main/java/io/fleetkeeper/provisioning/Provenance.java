package io.fleetkeeper.provisioning;

import java.time.Instant;
import java.util.UUID;

/** How a device joined: {@code method} (provisioning_key, claim_token, bootstrap), the key or token id, when. */
public record Provenance(UUID deviceId, String method, String sourceId, String remoteAddr, Instant at) {
}
