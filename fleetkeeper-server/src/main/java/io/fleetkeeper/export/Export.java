package io.fleetkeeper.export;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * An export job and, once {@code SUCCEEDED}, its artifact: {@code rowCount} rows, {@code size} bytes as stored
 * (compressed when {@code compression} is gzip) with that content's {@code sha256}. The artifact is deleted at
 * {@code expiresAt}.
 */
public record Export(UUID id, String kind, String format, String compression, @Nullable String query,
        @Nullable Instant from, @Nullable Instant to, ExportStatus status, long rowCount, @Nullable Long size,
        @Nullable String sha256, @Nullable String error, @Nullable String createdBy, Instant createdAt,
        @Nullable Instant finishedAt, @Nullable Instant expiresAt, long version) {
}
