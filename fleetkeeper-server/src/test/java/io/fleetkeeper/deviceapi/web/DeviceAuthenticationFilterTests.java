package io.fleetkeeper.deviceapi.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.deviceapi.DeviceListener;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The client certificate of a device-listener request is looked up when the request's identity (or its refusal) is
 * first read, once, and not at all when nothing asks (a request a device key authenticates): reading the certificate
 * makes the web server build every TLS attribute of the request. What an endpoint sees is unchanged; the endpoints
 * themselves are tested through the device listener (e.g. {@code DdiPollTests}, {@code ShadowDeviceTests}).
 */
class DeviceAuthenticationFilterTests {

    final AuthenticatedDevice device = new AuthenticatedDevice(UUID.randomUUID(), UUID.randomUUID(),
            AuthenticatedDevice.Method.CERTIFICATE, UUID.randomUUID(), null);
    final AtomicInteger lookups = new AtomicInteger();
    final AtomicInteger certificateReads = new AtomicInteger();
    final DeviceCredentials credentials = (DeviceCredentials) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {DeviceCredentials.class}, (proxy, method, args) -> {
                if (method.getName().equals("certificate")) {
                    lookups.incrementAndGet();
                    return device;
                }
                throw new UnsupportedOperationException(method.getName());
            });
    final DeviceAuthenticationFilter filter = new DeviceAuthenticationFilter(credentials, (DeviceListener) Proxy
            .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DeviceListener.class}, (p, m, a) -> {
                throw new UnsupportedOperationException(m.getName());
            }));
    final MockHttpServletRequest request = new MockHttpServletRequest("GET", "/device/v1/shadow") {
        @Override
        public Object getAttribute(String name) {
            if (DeviceAuthenticationFilter.CLIENT_CERTIFICATES.equals(name)) {
                certificateReads.incrementAndGet();
            }
            return super.getAttribute(name);
        }
    };

    @Test
    void aRequestThatNeverAsksForItsIdentityNeverReadsItsCertificate() throws Exception {
        filter.doFilterInternal(request, new MockHttpServletResponse(), (req, res) -> {
            ((HttpServletRequest) req).getRequestURI();
            ((HttpServletRequest) req).getAttribute("some.other.attribute");
        });
        assertThat(certificateReads).hasValue(0);
        assertThat(lookups).hasValue(0);
    }

    @Test
    void theIdentityIsLookedUpWhenFirstReadAndOnlyOnce() throws Exception {
        List<Object> seen = new ArrayList<>();
        filter.doFilterInternal(request, new MockHttpServletResponse(), (req, res) -> {
            seen.add(req.getAttribute(AuthenticatedDevice.ATTRIBUTE));
            seen.add(req.getAttribute(DeviceAuthenticationFilter.REJECTION));
            seen.add(req.getAttribute(AuthenticatedDevice.ATTRIBUTE));
        });
        assertThat(seen).containsExactly(device, null, device);
        assertThat(certificateReads).hasValue(1);
        assertThat(lookups).hasValue(1);
    }
}
