package io.fleetkeeper.api;

import org.springframework.http.HttpStatus;

/** Stable error codes. The name is the {@code code} member of every problem+json response. */
public enum ErrorCode {
    VALIDATION_FAILED(HttpStatus.BAD_REQUEST, "Validation failed"),
    MALFORMED_REQUEST(HttpStatus.BAD_REQUEST, "Malformed request"),
    UNKNOWN_FIELD(HttpStatus.BAD_REQUEST, "Unknown field"),
    READ_ONLY_FIELD(HttpStatus.BAD_REQUEST, "Read-only field"),
    INVALID_PARAMETER(HttpStatus.BAD_REQUEST, "Invalid parameter"),
    INVALID_CURSOR(HttpStatus.BAD_REQUEST, "Invalid cursor"),
    INVALID_QUERY(HttpStatus.BAD_REQUEST, "Invalid query"),
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Authentication required"),
    TENANT_SUSPENDED(HttpStatus.UNAUTHORIZED, "Tenant suspended"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "Forbidden"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    CONFLICT(HttpStatus.CONFLICT, "Conflict"),
    ALREADY_EXISTS(HttpStatus.CONFLICT, "Already exists"),
    INVALID_TRANSITION(HttpStatus.CONFLICT, "Invalid status transition"),
    IN_USE(HttpStatus.CONFLICT, "Resource in use"),
    VERSION_CONFLICT(HttpStatus.CONFLICT, "Version conflict"),
    /** A slot's rollback: the previous version is not inside its overlap any more (or there is none). */
    ROLLBACK_NOT_POSSIBLE(HttpStatus.CONFLICT, "Rollback not possible"),
    /** A device may not start installing now: its campaign's maintenance window is closed ({@code next_open}). */
    MAINTENANCE_WINDOW_CLOSED(HttpStatus.CONFLICT, "Maintenance window closed"),
    PRECONDITION_FAILED(HttpStatus.PRECONDITION_FAILED, "Precondition failed"),
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Payload too large"),
    /** An upload would take the tenant's stored bytes past its quota; nothing was kept. */
    QUOTA_EXCEEDED(HttpStatus.CONTENT_TOO_LARGE, "Storage quota exceeded"),
    /** An upload's SHA-256 is not the one the client announced; nothing was kept. */
    DIGEST_MISMATCH(HttpStatus.BAD_REQUEST, "Digest mismatch"),
    /** A {@code Range} that starts at or past the end of the content. */
    RANGE_NOT_SATISFIABLE(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable"),
    /** The request line and headers are over {@code server.max-http-request-header-size} (default 8 KiB). */
    HEADERS_TOO_LARGE(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request headers too large"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "Too many requests"),
    /** The tenant holds as many live event streams open as it may ({@code fleetkeeper.events.max-streams-per-tenant}). */
    TOO_MANY_STREAMS(HttpStatus.TOO_MANY_REQUESTS, "Too many open streams"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error"),
    /** A dependency (the telemetry stream or writer) cannot take the request now; {@code Retry-After} says when to retry. */
    UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable"),
    /** A carrier's API did not answer usefully (refused our key, unreachable, timed out, answered malformed). */
    CARRIER_ERROR(HttpStatus.BAD_GATEWAY, "Carrier error"),
    /** The carrier refused the request itself (a SIM it does not know or already claimed, a bad plan). */
    CARRIER_REJECTED(HttpStatus.CONFLICT, "Refused by the carrier"),
    /** A synchronous call ({@code ?wait=}) ended before the device answered; the operation goes on. */
    NOT_FINISHED_IN_TIME(HttpStatus.GATEWAY_TIMEOUT, "Not finished in time");

    private final HttpStatus status;
    private final String title;

    ErrorCode(HttpStatus status, String title) {
        this.status = status;
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }
}
