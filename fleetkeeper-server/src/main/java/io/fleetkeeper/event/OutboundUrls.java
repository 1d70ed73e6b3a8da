package io.fleetkeeper.event;

import io.fleetkeeper.event.internal.Destinations;
import jakarta.annotation.Nullable;
import org.springframework.stereotype.Component;

/**
 * The server-side request forgery guard for URLs other features call on a tenant's behalf (a carrier's API, for
 * one): {@code http} or {@code https}, no user information, and every address the host resolves to public unless
 * it lies in {@code fleetkeeper.events.allowed-private-networks}. Check when the URL is saved and again before
 * every request.
 */
@Component
public class OutboundUrls {

    private final Destinations destinations;

    OutboundUrls(Destinations destinations) {
        this.destinations = destinations;
    }

    /** Why {@code url} may not be called, or null when it may. */
    public @Nullable String refusal(String url) {
        return destinations.refusal(url);
    }
}
