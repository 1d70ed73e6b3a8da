package io.fleetkeeper.web;

import io.fleetkeeper.api.ErrorCode;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.apache.tomcat.util.res.StringManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's last word on a failed request, installed on the host so it serves both listeners. Tomcat calls
 * it for errors Spring MVC never sees (a request line, URI or header it cannot parse, a header section over
 * the limit) and for any error response whose body is still empty; it writes problem+json instead of
 * Tomcat's HTML page. A client error is logged in one line at debug level, never with a stack trace.
 */
class ProblemErrorReportValve extends ErrorReportValve {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorReportValve.class);
    /** Tomcat's (localised) message for a request header section over {@code max-http-request-header-size}. */
    private static final String HEADER_TOO_LARGE = StringManager.getManager("org.apache.coyote.http11")
            .getString("iib.requestheadertoolarge.error");

    private final JsonMapper json;

    ProblemErrorReportValve(JsonMapper json) {
        this.json = json;
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        Failure failure = classify(status, throwable);
        String uri = instance(request);
        if (failure.code().status().is5xxServerError()) {
            log.error("{} {} failed: {}", request.getMethod(), uri, failure.detail(), throwable);
        } else {
            log.debug("{} {} refused: {} {}", request.getMethod(), uri, failure.code(), failure.detail());
        }
        try {
            String requestId = response.getHeader(RequestIds.HEADER);
            response.reset();
            if (requestId != null) {
                response.setHeader(RequestIds.HEADER, requestId);
            }
            response.setStatus(failure.code().status().value());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            byte[] body = json.writeValueAsBytes(ProblemHandler.problem(failure.code(), failure.detail(), List.of(),
                    uri, RequestIds.current(request)));
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            log.debug("could not write the error response: {}", e.toString());
        }
    }

    /** What went wrong, in the request's terms. */
    record Failure(ErrorCode code, String detail) {
    }

    static Failure classify(int status, Throwable throwable) {
        Throwable cause = throwable;
        while (cause != null && !(cause instanceof InvalidParameterException) && cause.getCause() != null
                && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof InvalidParameterException) {
            return new Failure(ErrorCode.INVALID_PARAMETER, Parameters.DETAIL);
        }
        if (status == 400 && throwable != null && HEADER_TOO_LARGE.equals(throwable.getMessage())) {
            return new Failure(ErrorCode.HEADERS_TOO_LARGE,
                    "the request line and headers are larger than the server accepts");
        }
        return switch (status) {
            case 400 -> new Failure(ErrorCode.MALFORMED_REQUEST, "the request line, URI or headers are not valid "
                    + "HTTP/1.1 (RFC 9112, RFC 3986): check for unescaped characters, bad percent-encoding or "
                    + "'..' segments");
            case 404 -> new Failure(ErrorCode.NOT_FOUND, "no such endpoint");
            case 405 -> new Failure(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed here");
            case 413 -> new Failure(ErrorCode.PAYLOAD_TOO_LARGE, "the request is larger than the server accepts");
            case 414, 431 -> new Failure(ErrorCode.HEADERS_TOO_LARGE,
                    "the request line and headers are larger than the server accepts");
            case 415 -> new Failure(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "content type not supported here");
            case 505 -> new Failure(ErrorCode.MALFORMED_REQUEST, "the HTTP version is not supported; use HTTP/1.1");
            case 401 -> new Failure(ErrorCode.UNAUTHENTICATED, "authentication required");
            case 403 -> new Failure(ErrorCode.FORBIDDEN, "forbidden");
            default -> status < 500 ? new Failure(ErrorCode.MALFORMED_REQUEST, "the request cannot be processed")
                    : new Failure(ErrorCode.INTERNAL_ERROR, "the server could not complete the request");
        };
    }

    /** The path for {@code instance}: the decoded URI when Tomcat got that far, else a neutral "/". */
    private static String instance(Request request) {
        String uri = request.getRequestURI();
        if (uri == null) {
            return "/";
        }
        try {
            return java.net.URI.create(uri).getRawPath();
        } catch (IllegalArgumentException e) {
            return "/";
        }
    }

    /** The wording shared with the MVC handler for a query string or form body Tomcat cannot parse. */
    static final class Parameters {
        static final String DETAIL = "the query string or form body cannot be parsed: a parameter has an empty "
                + "name or a bad percent-encoding, or there are too many parameters";

        private Parameters() {
        }
    }
}
