package io.fleetkeeper.ota;

import java.time.Instant;

/** One file of a firmware: its size and the digests computed while it was uploaded (lower-case hex). */
public record FirmwareArtifact(String filename, long size, String sha256, String sha1, String md5,
        Instant createdAt) {
}
