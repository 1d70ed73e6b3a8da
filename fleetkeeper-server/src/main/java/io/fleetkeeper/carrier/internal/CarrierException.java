package io.fleetkeeper.carrier.internal;

import jakarta.annotation.Nullable;
import java.time.Duration;

/**
 * A carrier call that did not succeed: why, in a form the API and the sync worker act on, with a message that
 * never contains the API key.
 */
public class CarrierException extends RuntimeException {

    /** Why a call failed. */
    public enum Kind {
        /** The carrier refused the credentials (HTTP 401 or 403). */
        UNAUTHORIZED,
        /** Too many requests (HTTP 429); {@link #retryAfter()} says how long to wait when the carrier said. */
        RATE_LIMITED,
        /** No answer in time, no connection, or a server error (5xx). */
        UNAVAILABLE,
        /** The carrier answered, but not as its API documents. */
        MALFORMED,
        /** The carrier refused the request itself (another 4xx, or {@code success: false}). */
        REJECTED,
        /** The provider cannot do this operation. */
        UNSUPPORTED
    }

    private final Kind kind;
    private final @Nullable Duration retryAfter;

    public CarrierException(Kind kind, String message) {
        this(kind, message, null);
    }

    public CarrierException(Kind kind, String message, @Nullable Duration retryAfter) {
        super(message);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
