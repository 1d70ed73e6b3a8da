package io.fleetkeeper.tenancy;

import java.time.Instant;
import java.util.UUID;

/** A customer of the platform; every other object belongs to exactly one tenant. */
public record Tenant(UUID id, String name, TenantStatus status, Instant createdAt, Instant updatedAt, long version) {

    /** Lifecycle of a tenant; written lowercase on the wire like every other status. */
    public enum TenantStatus {
        ACTIVE, SUSPENDED;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
