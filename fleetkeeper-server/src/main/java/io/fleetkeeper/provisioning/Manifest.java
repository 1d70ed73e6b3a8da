package io.fleetkeeper.provisioning;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A batch manifest: the serials a manufacturer shipped, with their device type and metadata. */
public record Manifest(UUID id, String name, long rowsTotal, long rowsAdded, String createdBy, Instant createdAt) {

    /** An upload's outcome: the manifest and every rejected line (the first 1,000 are listed). */
    public record Upload(Manifest manifest, long rejected, List<RejectedLine> rejectedLines) {
    }

    /** A line that was not added, and why. */
    public record RejectedLine(long line, String reason) {
    }

    /** One shipped device: serial, type, metadata, and the device it became (null until bootstrap). */
    public record Entry(String serial, UUID manifestId, String deviceType, java.util.Map<String, String> metadata,
            long line, UUID deviceId, UUID templateId) {
    }
}
