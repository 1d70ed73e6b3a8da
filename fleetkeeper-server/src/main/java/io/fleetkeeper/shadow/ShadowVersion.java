package io.fleetkeeper.shadow;

import java.time.Instant;

/**
 * A kept past version of a shadow.
 *
 * @param document the shadow as it was at that version, or null when that version deleted it
 * @param actor    who wrote it: {@code token:…}, {@code device:…}, …
 */
public record ShadowVersion(long version, boolean deleted, String actor, Instant at, Shadow document) {
}
