package io.fleetkeeper.fleet;

import com.fasterxml.jackson.annotation.JsonIgnore;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * A saved fleet group. {@code kind} is {@code dynamic} (devices matching {@code query}, evaluated at every read)
 * or {@code static} (explicit members, {@code query} null). With a {@code parentId}, the group selects only
 * devices its parent selects too. {@code description} is free text for people. {@code version} is its ETag.
 */
public record FleetGroup(UUID id, String name, @Nullable String description, String kind, @Nullable String query,
        @Nullable UUID parentId, Instant createdAt, Instant updatedAt, long version) {

    public static final String DYNAMIC = "dynamic";
    public static final String STATIC = "static";

    @JsonIgnore
    public boolean isStatic() {
        return STATIC.equals(kind);
    }
}
