package io.fleetkeeper.carrier;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's account at a mobile carrier: which carrier, where its API is, and the organisation it acts for. The
 * API key is stored sealed and never returned. {@code status} is what the last call to the carrier found
 * ({@code UNTESTED}, {@code OK}, {@code FAILING}); {@code lastError} says why it failed.
 */
public record CarrierIntegration(UUID id, UUID tenantId, String name, String carrier, String baseUrl,
        @Nullable String orgId, String status, @Nullable String lastError, int failures, @Nullable Instant lastSyncAt,
        Instant nextSyncAt, Instant createdAt, long version) {

    public static final String HOLOGRAM = "hologram";
    public static final String UNTESTED = "UNTESTED";
    public static final String OK = "OK";
    public static final String FAILING = "FAILING";

    /** What a client sends to create an integration; {@code tenantId} only on the operator API. */
    public record Fields(@Nullable String name, @Nullable String carrier, @Nullable String baseUrl,
            @Nullable String apiKey, @Nullable String orgId, @Nullable UUID tenantId) {
    }

    /** A change: absent fields keep their value; a new {@code apiKey} replaces the sealed one. */
    public record Patch(@Nullable String name, @Nullable String baseUrl, @Nullable String apiKey,
            @Nullable String orgId) {
    }

    /** The answer of a connection test: whether the carrier accepted the key, and what it said otherwise. */
    public record TestResult(boolean ok, @Nullable String error, int plans) {
    }
}
