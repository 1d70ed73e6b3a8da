package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.deviceapi.DeviceApiProperties;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.web.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import org.apache.catalina.util.NetMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Behind a TLS-terminating proxy: on the device listener, a request whose TCP peer is one of
 * {@code fleetkeeper.device-api.trusted-proxies} and that forwards a client certificate
 * ({@link ForwardedCertificates}) carries that chain as its TLS client certificate chain, so everything
 * downstream ({@link DeviceAuthenticationFilter}, EST, bootstrap) judges it exactly as one presented in a
 * handshake. Without forwarded headers the connection's own client certificate, if any, counts as usual. From
 * any other peer the headers are never read. A forwarded header that holds no certificate answers
 * {@code 400 MALFORMED_REQUEST}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 25)
class ForwardedClientCertificateFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(ForwardedClientCertificateFilter.class);

    private final List<NetMask> proxies;
    private final DeviceListener listener;
    private final ProblemWriter problems;

    ForwardedClientCertificateFilter(DeviceApiProperties properties, DeviceListener listener,
            ProblemWriter problems) {
        this.proxies = properties.trustedProxies().stream().map(String::strip).filter(p -> !p.isEmpty())
                .map(ForwardedClientCertificateFilter::netMask).toList();
        this.listener = listener;
        this.problems = problems;
        if (!proxies.isEmpty()) {
            log.info("the device listener accepts client certificates forwarded by {}", proxies);
        }
    }

    private static NetMask netMask(String proxy) {
        try {
            return new NetMask(proxy);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("fleetkeeper.device-api.trusted-proxies: '" + proxy
                    + "' is not an IP address or CIDR block", e);
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return proxies.isEmpty() || !DevicePortFilter.onDevicePort(request, listener)
                || !trusted(request.getRemoteAddr());
    }

    private boolean trusted(String peer) {
        try {
            InetAddress address = InetAddress.ofLiteral(peer);
            return proxies.stream().anyMatch(p -> p.matches(address));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        X509Certificate[] forwarded;
        try {
            forwarded = ForwardedCertificates.read(request);
        } catch (ForwardedCertificates.Malformed e) {
            log.debug("proxy {} forwarded a malformed client certificate: {}", request.getRemoteAddr(),
                    e.getMessage());
            problems.write(request, response, ErrorCode.MALFORMED_REQUEST, e.getMessage());
            return;
        }
        chain.doFilter(forwarded == null ? request : new WithClientCertificates(request, forwarded), response);
    }

    /** The request as if its TLS handshake had presented {@code chain}. */
    private static final class WithClientCertificates extends HttpServletRequestWrapper {
        private final X509Certificate[] chain;

        WithClientCertificates(HttpServletRequest request, X509Certificate[] chain) {
            super(request);
            this.chain = chain;
        }

        @Override
        public Object getAttribute(String name) {
            return DeviceAuthenticationFilter.CLIENT_CERTIFICATES.equals(name) ? chain.clone()
                    : super.getAttribute(name);
        }
    }
}
