package io.fleetkeeper.api;

import java.util.List;
import java.util.Map;

/** A request that cannot be served, rendered as RFC 9457 problem+json with a stable {@link ErrorCode}. */
public class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final List<FieldError> errors;
    private final Long retryAfterSeconds;
    private final Map<String, Object> properties;

    public ApiException(ErrorCode code, String detail) {
        this(code, detail, List.of());
    }

    public ApiException(ErrorCode code, String detail, List<FieldError> errors) {
        this(code, detail, errors, null);
    }

    /** With extra members for the problem document, e.g. the {@code position} of a query error. */
    public ApiException(ErrorCode code, String detail, Map<String, Object> properties) {
        this(code, detail, List.of(), null, properties);
    }

    private ApiException(ErrorCode code, String detail, List<FieldError> errors, Long retryAfterSeconds) {
        this(code, detail, errors, retryAfterSeconds, Map.of());
    }

    private ApiException(ErrorCode code, String detail, List<FieldError> errors, Long retryAfterSeconds,
            Map<String, Object> properties) {
        super(detail, null, false, false);
        this.code = code;
        this.errors = List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
        this.properties = Map.copyOf(properties);
    }

    /** Extra members of the problem document (snake_case names). */
    public Map<String, Object> properties() {
        return properties;
    }

    /** 429 with a {@code Retry-After} header. */
    public static ApiException rateLimited(String detail, long retryAfterSeconds) {
        return new ApiException(ErrorCode.RATE_LIMITED, detail, List.of(), Math.max(1, retryAfterSeconds));
    }

    /** 503 with a {@code Retry-After} header. */
    public static ApiException unavailable(String detail, long retryAfterSeconds) {
        return new ApiException(ErrorCode.UNAVAILABLE, detail, List.of(), Math.max(1, retryAfterSeconds));
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public ErrorCode code() {
        return code;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public static ApiException notFound(String what) {
        return new ApiException(ErrorCode.NOT_FOUND, what + " not found");
    }

    /** One field that failed validation: a JSON pointer-like path and the reason. */
    public record FieldError(String field, String message) {
    }
}
