package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.deviceapi.DeviceListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.cert.X509Certificate;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Resolves the device behind a device-listener request from its TLS client certificate (or the one a trusted
 * proxy forwarded, {@link ForwardedClientCertificateFilter}): the
 * {@link AuthenticatedDevice} goes into the request, or else the reason it was refused. It rejects nothing
 * itself: an endpoint that needs an enrolled device takes a {@link AuthenticatedDevice} argument
 * ({@link DeviceIdentityResolver}), while bootstrap endpoints (provisioning key, claim token, factory
 * certificate) and EST {@code cacerts} serve devices without one.
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
        var outcome = credentials.certificate((X509Certificate[]) request.getAttribute(CLIENT_CERTIFICATES));
        if (outcome instanceof AuthenticatedDevice device) {
            request.setAttribute(AuthenticatedDevice.ATTRIBUTE, device);
        } else {
            request.setAttribute(REJECTION, outcome);
        }
        chain.doFilter(request, response);
    }
}
