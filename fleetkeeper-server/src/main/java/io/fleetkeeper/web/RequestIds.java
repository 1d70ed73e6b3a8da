package io.fleetkeeper.web;

import io.fleetkeeper.api.ErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/** Gives every request an id (the caller's {@code X-Request-Id} when sane), echoed back and written to audit. */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIds extends OncePerRequestFilter {

    public static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = RequestIds.class.getName();
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /** A provider: the writer is made on first use, not when the filter is registered (early in start-up). */
    private final ObjectProvider<ProblemWriter> problems;

    RequestIds(ObjectProvider<ProblemWriter> problems) {
        this.problems = problems;
    }

    public static String current(HttpServletRequest request) {
        return (String) request.getAttribute(ATTRIBUTE);
    }

    /** A filter asked for a parameter of a query string Tomcat cannot parse: the client's fault, not ours. */
    private static boolean unparsableParameters(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.tomcat.util.http.InvalidParameterException) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = request.getHeader(HEADER);
        if (id == null || !SAFE.matcher(id).matches()) {
            // Not a secret: no need for the shared SecureRandom behind UUID.randomUUID().
            var r = java.util.concurrent.ThreadLocalRandom.current();
            id = new UUID(r.nextLong(), r.nextLong()).toString();
        }
        request.setAttribute(ATTRIBUTE, id);
        response.setHeader(HEADER, id);
        MDC.put("requestId", id);
        try {
            chain.doFilter(request, response);
        } catch (RuntimeException | ServletException e) {
            if (response.isCommitted()) {
                throw e;
            }
            if (unparsableParameters(e)) {
                response.resetBuffer();
                problems.getObject().write(request, response, ErrorCode.INVALID_PARAMETER,
                        ProblemErrorReportValve.Parameters.DETAIL);
                return;
            }
            org.slf4j.LoggerFactory.getLogger(RequestIds.class)
                    .error("unexpected failure on {} {}", request.getMethod(), request.getRequestURI(), e);
            response.resetBuffer();
            problems.getObject().write(request, response, ErrorCode.INTERNAL_ERROR,
                    "an unexpected error occurred; see the server log for request " + id);
        } finally {
            MDC.remove("requestId");
        }
    }
}
