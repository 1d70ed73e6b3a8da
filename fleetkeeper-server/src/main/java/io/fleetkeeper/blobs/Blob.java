package io.fleetkeeper.blobs;

/**
 * A stored blob: its size and the digests computed while it streamed in (lower-case hex). Blobs are
 * content-addressed: a tenant's blob is named by its SHA-256.
 */
public record Blob(String sha256, String sha1, String md5, long size) {
}
