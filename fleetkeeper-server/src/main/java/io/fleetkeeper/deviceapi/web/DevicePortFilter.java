package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.web.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Keeps the two listeners apart: the device port serves only {@code /device/**},
 * {@code /.well-known/est/**}, hawkBit's DDI ({@code /{tenant}/controller/v1/**}) and the telemetry ingest paths
 * {@code /ingest/v1/telemetry} and {@code /v1/ingest}, the management port everything else; the other paths answer
 * 404 as if
 * they did not exist. Device-port responses are buffered so they always carry a Content-Length, which
 * some EST clients require; downloads ({@code /device/v1/firmware/...} and DDI artifacts) set their own and stream.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class DevicePortFilter extends OncePerRequestFilter {

    private final DeviceListener listener;
    private final ProblemWriter problems;

    DevicePortFilter(DeviceListener listener, ProblemWriter problems) {
        this.listener = listener;
        this.problems = problems;
    }

    /** hawkBit DDI: {@code /{tenant}/controller/v1/...}. */
    /** hawkBit DDI artifact downloads, streamed with their own length like {@code /device/v1/firmware/...}. */
    private static final java.util.regex.Pattern DDI_ARTIFACT = java.util.regex.Pattern.compile(
            "/[^/]+/controller/v1/[^/]+/softwaremodules/[^/]+/artifacts/[^/]+");
    private static final java.util.regex.Pattern DDI = java.util.regex.Pattern.compile("/[^/]+/controller/v1(/.*)?");

    /** Telemetry ingest paths some devices already use, served beside {@code /device/v1/telemetry}. */
    static final java.util.Set<String> INGEST = java.util.Set.of("/ingest/v1/telemetry", "/v1/ingest");

    static boolean isDevicePath(String uri) {
        return uri.startsWith("/device/") || uri.startsWith("/.well-known/est/") || INGEST.contains(uri)
                || DDI.matcher(uri).matches();
    }

    static boolean onDevicePort(HttpServletRequest request, DeviceListener listener) {
        return request.getLocalPort() == listener.port();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean devicePath = isDevicePath(request.getRequestURI());
        if (!onDevicePort(request, listener)) {
            if (devicePath) {
                problems.write(request, response, ErrorCode.NOT_FOUND, "no such endpoint");
            } else {
                chain.doFilter(request, response);
            }
            return;
        }
        if (request.getRequestURI().startsWith("/device/v1/firmware/") || DDI_ARTIFACT.matcher(request.getRequestURI())
                .matches()) {
            chain.doFilter(request, response);
            return;
        }
        ContentCachingResponseWrapper buffered = new ContentCachingResponseWrapper(response);
        if (devicePath) {
            chain.doFilter(request, buffered);
        } else {
            problems.write(request, buffered, ErrorCode.NOT_FOUND, "no such endpoint");
        }
        buffered.copyBodyToResponse();
    }
}
