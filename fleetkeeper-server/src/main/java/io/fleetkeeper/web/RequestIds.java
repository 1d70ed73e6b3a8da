package io.fleetkeeper.web;

import io.fleetkeeper.api.ErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id (the caller's {@code X-Request-Id} when sane), echoed back and written to audit.
 *
 * <p>It also holds back the flushes of a JSON body that nothing has sent yet (Spring's message converters flush once
 * the body is written): Tomcat then sends a body that fits its buffer whole when the request ends, with a {@code
 * Content-Length} and in one write, instead of chunked in two. Other bodies (event streams, NDJSON, downloads) and
 * a response already sent flush as they ask.
 */
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
            chain.doFilter(request, new WholeJsonBody(response));
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

    /** A JSON content type: {@code application/json} or {@code application/problem+json}, with parameters or not. */
    static boolean json(String contentType) {
        return contentType != null && (contentType.startsWith("application/json")
                || contentType.startsWith("application/problem+json"));
    }

    /** The response with the flushes of a JSON body held back until something has been sent. */
    static final class WholeJsonBody extends HttpServletResponseWrapper {

        private ServletOutputStream out;

        WholeJsonBody(HttpServletResponse response) {
            super(response);
        }

        private boolean holdBack() {
            return !isCommitted() && json(getContentType());
        }

        @Override
        public void flushBuffer() throws IOException {
            if (!holdBack()) {
                super.flushBuffer();
            }
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            ServletOutputStream s = super.getOutputStream();
            if (out == null) {
                out = new HeldBackFlushes(s);
            }
            return out;
        }

        private final class HeldBackFlushes extends ServletOutputStream {

            private final ServletOutputStream s;

            HeldBackFlushes(ServletOutputStream s) {
                this.s = s;
            }

            @Override
            public void write(int b) throws IOException {
                s.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                s.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                if (!holdBack()) {
                    s.flush();
                }
            }

            @Override
            public void close() throws IOException {
                s.close();
            }

            @Override
            public boolean isReady() {
                return s.isReady();
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                s.setWriteListener(listener);
            }
        }
    }
}
