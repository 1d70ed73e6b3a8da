package io.fleetkeeper.secrets;

import jakarta.annotation.Nullable;

/** A change of a slot's settings: each field absent (or null) stays as it is; an empty description clears it. */
public record SecretUpdate(@Nullable String description, @Nullable Boolean deviceReadable) {
}
