package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.deviceapi.DeviceListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.cert.X509Certificate;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Resolves the device behind a device-listener request from its TLS client certificate (or the one a trusted
 * proxy forwarded, {@link ForwardedClientCertificateFilter}) when the request's {@link AuthenticatedDevice} or its
 * refusal is first read: the {@link AuthenticatedDevice} goes into the request, or else the reason it was refused.
 * It rejects nothing itself: an endpoint that needs an enrolled device takes a {@link AuthenticatedDevice} argument
 * ({@link DeviceIdentityResolver}), one that also takes a device key a
 * {@link io.fleetkeeper.deviceapi.DeviceCertificate}, while bootstrap endpoints (provisioning key, claim token,
 * factory certificate) and EST {@code cacerts} serve devices without one.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 30)
class DeviceAuthenticationFilter extends OncePerRequestFilter {

    static final String CLIENT_CERTIFICATES = "jakarta.servlet.request.X509Certificate";
    static final String REJECTION = DeviceAuthenticationFilter.class.getName() + ".rejection";

    private final DeviceCredentials credentials;
    private final DeviceListener listener;

    DeviceAuthenticationFilter(DeviceCredentials credentials, DeviceListener listener) {
        this.credentials = credentials;
        this.listener = listener;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return !DevicePortFilter.isDevicePath(uri) || !DevicePortFilter.onDevicePort(request, listener)
                || SELF_AUTHENTICATING.contains(uri);
    }

    /** Endpoints that authenticate with their own credential (a key, a token, a factory certificate). */
    private static final java.util.Set<String> SELF_AUTHENTICATING = java.util.Set.of("/device/v1/register",
            "/device/v1/claim", "/device/v1/bootstrap", "/device/v1/device-key/rotate");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(new Identified(request), response);
    }

    /**
     * The request with its {@link AuthenticatedDevice#ATTRIBUTE} and {@link #REJECTION} worked out when one of them
     * is first read, and kept: a request that never asks (one a device key authenticates) never reads its client
     * certificate, which makes the web server build every TLS attribute of the request.
     */
    private final class Identified extends HttpServletRequestWrapper {

        private boolean decided;

        Identified(HttpServletRequest request) {
            super(request);
        }

        @Override
        public Object getAttribute(String name) {
            if (!decided && (AuthenticatedDevice.ATTRIBUTE.equals(name) || REJECTION.equals(name))) {
                decided = true;
                var outcome = credentials.certificate((X509Certificate[]) super.getAttribute(CLIENT_CERTIFICATES));
                if (outcome instanceof AuthenticatedDevice device) {
                    setAttribute(AuthenticatedDevice.ATTRIBUTE, device);
                } else {
                    setAttribute(REJECTION, outcome);
                }
            }
            return super.getAttribute(name);
        }
    }
}
