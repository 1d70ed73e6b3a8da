package io.fleetkeeper.credentials;

/** The answer to "which device is this?": an {@link AuthenticatedDevice} or a {@link Refusal}. */
public sealed interface Authentication permits AuthenticatedDevice, Refusal {
}
