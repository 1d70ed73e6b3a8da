package io.fleetkeeper.connectivity.web;

import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.web.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards the external-broker hooks under {@code /api/v1/internal/}: the {@code X-Internal-Auth} header must
 * equal {@code fleetkeeper.mqtt.internal-auth-secret} (compared in constant time), else 401 before the body
 * is read. With no secret configured the hooks do not exist (404).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
class InternalAuthFilter extends OncePerRequestFilter {

    static final String PREFIX = "/api/v1/internal/";
    static final String HEADER = "X-Internal-Auth";

    private final byte[] secretDigest;
    private final ProblemWriter problems;

    InternalAuthFilter(ConnectivityProperties props, ProblemWriter problems) {
        String secret = props.internalAuthSecret();
        this.secretDigest = secret == null || secret.isEmpty() ? null : sha256(secret);
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith(PREFIX);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (secretDigest == null) {
            problems.write(request, response, ErrorCode.NOT_FOUND, "not found");
            return;
        }
        String given = request.getHeader(HEADER);
        // Digests have one length, so the comparison takes the same time whatever was sent.
        if (given == null || !MessageDigest.isEqual(sha256(given), secretDigest)) {
            problems.write(request, response, ErrorCode.UNAUTHENTICATED, "send the shared secret in " + HEADER);
            return;
        }
        chain.doFilter(request, response);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
