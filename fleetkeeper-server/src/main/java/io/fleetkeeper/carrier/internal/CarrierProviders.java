package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.carrier.CarrierIntegration;
import jakarta.annotation.Nullable;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/** The carriers Fleetkeeper speaks to, by the name an integration gives ({@code hologram}). */
@Component
public class CarrierProviders {

    private final Map<String, CarrierProvider> byName;

    CarrierProviders(CarrierHttp http) {
        HologramProvider hologram = new HologramProvider(http);
        this.byName = Map.of(hologram.carrier(), hologram);
    }

    public Set<String> names() {
        return byName.keySet();
    }

    public @Nullable CarrierProvider get(String carrier) {
        return byName.get(carrier);
    }

    /** The API address used when an integration names none. */
    public static @Nullable String defaultBaseUrl(String carrier) {
        return CarrierIntegration.HOLOGRAM.equals(carrier) ? HologramProvider.DEFAULT_BASE_URL : null;
    }
}
