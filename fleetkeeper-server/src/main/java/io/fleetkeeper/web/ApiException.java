package io.fleetkeeper.web;

import java.util.List;

/** A request that cannot be served, rendered as RFC 9457 problem+json with a stable {@link ErrorCode}. */
public class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final List<FieldError> errors;
    private final Long retryAfterSeconds;

    public ApiException(ErrorCode code, String detail) {
        this(code, detail, List.of());
    }

    public ApiException(ErrorCode code, String detail, List<FieldError> errors) {
        this(code, detail, errors, null);
    }

    private ApiException(ErrorCode code, String detail, List<FieldError> errors, Long retryAfterSeconds) {
        super(detail, null, false, false);
        this.code = code;
        this.errors = List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 429 with a {@code Retry-After} header. */
    public static ApiException rateLimited(String detail, long retryAfterSeconds) {
        return new ApiException(ErrorCode.RATE_LIMITED, detail, List.of(), Math.max(1, retryAfterSeconds));
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
