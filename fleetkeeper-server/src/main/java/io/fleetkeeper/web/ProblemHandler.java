package io.fleetkeeper.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import org.apache.catalina.connector.ClientAbortException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/** Renders every failure as RFC 9457 problem+json carrying a stable {@code code}. */
@RestControllerAdvice
class ProblemHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    /** Fields the server owns; writing one is {@code READ_ONLY_FIELD}, not merely unknown. */
    static final List<String> SERVER_OWNED = List.of("id", "tenant_id", "tenant", "status", "version",
            "registered_at", "updated_at", "created_at", "last_seen_at", "last_used_at", "prefix");

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e, HttpServletRequest request) {
        ResponseEntity<ProblemDetail> r = render(e.code(), e.getMessage(), e.errors(), request);
        e.properties().forEach(r.getBody()::setProperty);
        if (e.retryAfterSeconds() != null) {
            return ResponseEntity.status(r.getStatusCode()).headers(r.getHeaders())
                    .header("Retry-After", Long.toString(e.retryAfterSeconds())).body(r.getBody());
        }
        return r;
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e, HttpServletRequest request) {
        Throwable cause = e.getCause();
        if (cause instanceof UnrecognizedPropertyException u) {
            String field = u.getPropertyName();
            ErrorCode code = SERVER_OWNED.contains(field) ? ErrorCode.READ_ONLY_FIELD : ErrorCode.UNKNOWN_FIELD;
            String msg = code == ErrorCode.READ_ONLY_FIELD ? "is owned by the server and cannot be written"
                    : "is not a known field";
            return render(code, "field '" + field + "' " + msg,
                    List.of(new ApiException.FieldError(field, msg)), request);
        }
        // A streamed (chunked) body passes the limit while Jackson reads it, which wraps the exception.
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof PayloadTooLargeException tooLarge) {
                return render(ErrorCode.PAYLOAD_TOO_LARGE, tooLarge.getMessage(), List.of(), request);
            }
        }
        String detail = cause instanceof JacksonException j ? JsonBodyErrors.describe(j)
                : "request body is missing or not valid JSON";
        return render(ErrorCode.MALFORMED_REQUEST, detail, List.of(), request);
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    ResponseEntity<ProblemDetail> tooLarge(PayloadTooLargeException e, HttpServletRequest request) {
        return render(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler({MethodArgumentTypeMismatchException.class, MissingServletRequestParameterException.class,
            MissingRequestHeaderException.class})
    ResponseEntity<ProblemDetail> badParameter(Exception e, HttpServletRequest request) {
        return render(ErrorCode.INVALID_PARAMETER, e.getMessage(), List.of(), request);
    }

    /** Tomcat parses the query string (and form bodies) on the first parameter lookup, e.g. {@code ?=x}. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ProblemDetail> unparsableParameters(InvalidParameterException e, HttpServletRequest request) {
        return render(ErrorCode.INVALID_PARAMETER, ProblemErrorReportValve.Parameters.DETAIL, List.of(), request);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
        return render(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "content type " + e.getContentType()
                + " is not supported here; use one of " + e.getSupportedMediaTypes(), List.of(), request);
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ProblemDetail> notAcceptable(HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
        return render(ErrorCode.NOT_ACCEPTABLE, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ProblemDetail> method(HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
        return render(ErrorCode.METHOD_NOT_ALLOWED, e.getMessage(), List.of(), request);
    }

    @ExceptionHandler({NoResourceFoundException.class, NoHandlerFoundException.class})
    ResponseEntity<ProblemDetail> noRoute(Exception e, HttpServletRequest request) {
        return render(ErrorCode.NOT_FOUND, "no such endpoint", List.of(), request);
    }

    /**
     * The client went away while a response was being written (a closed event stream, an aborted download): normal,
     * nothing to answer, logged at debug.
     */
    @ExceptionHandler({AsyncRequestNotUsableException.class, ClientAbortException.class})
    void disconnected(Exception e, HttpServletRequest request) {
        log.debug("client disconnected from {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("unexpected failure on {} {}", request.getMethod(), request.getRequestURI(), e);
        return render(ErrorCode.INTERNAL_ERROR, "an unexpected error occurred; see the server log for request "
                + RequestIds.current(request), List.of(), request);
    }

    static ResponseEntity<ProblemDetail> render(ErrorCode code, String detail, List<ApiException.FieldError> errors,
            HttpServletRequest request) {
        return ResponseEntity.status(code.status())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(code, detail, errors, request.getRequestURI(), RequestIds.current(request)));
    }

    public static ProblemDetail problem(ErrorCode code, String detail, List<ApiException.FieldError> errors,
            String instance, String requestId) {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(code.status().value()), detail);
        pd.setType(URI.create("https://fleetkeeper.io/problems/" + code.name().toLowerCase().replace('_', '-')));
        pd.setTitle(code.title());
        pd.setInstance(URI.create(instance));
        pd.setProperty("code", code.name());
        if (requestId != null) {
            pd.setProperty("request_id", requestId);
        }
        if (!errors.isEmpty()) {
            pd.setProperty("errors", errors);
        }
        return pd;
    }
}
