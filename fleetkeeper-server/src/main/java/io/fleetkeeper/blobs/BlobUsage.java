package io.fleetkeeper.blobs;

/** A tenant's storage: distinct blobs, their bytes, and the quota those bytes count against. */
public record BlobUsage(long blobs, long bytes, long quotaBytes) {
}
