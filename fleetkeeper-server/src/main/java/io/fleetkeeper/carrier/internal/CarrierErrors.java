package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.util.Map;

/** How a carrier's failure during an operator's request reaches the operator (problem+json). */
public final class CarrierErrors {

    private CarrierErrors() {
    }

    public static ApiException toApi(CarrierException e) {
        return switch (e.kind()) {
            case RATE_LIMITED -> ApiException.unavailable(e.getMessage(),
                    e.retryAfter() == null ? 60 : Math.max(1, e.retryAfter().toSeconds()));
            case REJECTED, UNSUPPORTED -> new ApiException(ErrorCode.CARRIER_REJECTED, e.getMessage(),
                    Map.of("carrier_error", e.kind().name()));
            default -> new ApiException(ErrorCode.CARRIER_ERROR, e.getMessage(),
                    Map.of("carrier_error", e.kind().name()));
        };
    }
}
