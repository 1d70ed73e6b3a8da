package io.fleetkeeper.export;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An export job and, once {@code SUCCEEDED}, its artifact: {@code rowCount} rows, {@code size} bytes as stored
 * (compressed when {@code compression} is gzip) with that content's {@code sha256}. The artifact is deleted at
 * {@code expiresAt}. {@code columns}: the columns written, null for all of the kind's; {@code scheduleId}: the
 * schedule that queued it, if any.
 */
public record Export(UUID id, String kind, String format, String compression, @Nullable String query,
        @Nullable List<String> columns, @Nullable Instant from, @Nullable Instant to, ExportStatus status,
        long rowCount, @Nullable Long size, @Nullable String sha256, @Nullable String error, @Nullable String createdBy, Instant createdAt,
        @Nullable Instant finishedAt, @Nullable Instant expiresAt, @Nullable UUID scheduleId, long version) {
}
