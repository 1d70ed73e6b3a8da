package io.fleetkeeper.web;

import io.fleetkeeper.api.ErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps request bodies: a declared Content-Length over the limit is refused before reading, and a
 * chunked body fails with {@code PAYLOAD_TOO_LARGE} as soon as it passes the limit. Bulk imports and
 * binary uploads ({@code PUT} of {@code application/octet-stream}, streamed by their endpoint) have
 * limits of their own.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class BodyLimitFilter extends OncePerRequestFilter {

    private final ApiProperties props;
    private final ProblemWriter problems;

    BodyLimitFilter(ApiProperties props, ProblemWriter problems) {
        this.props = props;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = request.getRequestURI().endsWith("/import") ? props.maxImportBytes()
                : isBinaryUpload(request) ? props.maxUploadBytes() : props.maxBodyBytes();
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            problems.write(request, response, ErrorCode.PAYLOAD_TOO_LARGE,
                    "request body exceeds the limit of " + limit + " bytes");
            return;
        }
        chain.doFilter(new Limited(request, limit), response);
    }

    private static boolean isBinaryUpload(HttpServletRequest request) {
        String type = request.getContentType();
        return "PUT".equals(request.getMethod())
                && (type == null || type.toLowerCase(java.util.Locale.ROOT).startsWith("application/octet-stream"));
    }

    private static final class Limited extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        Limited(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new Counting(super.getInputStream(), limit);
            }
            return stream;
        }
    }

    private static final class Counting extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long count;

        Counting(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        private void add(int n) throws PayloadTooLargeException {
            count += n;
            if (count > limit) {
                throw new PayloadTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
