package io.fleetkeeper.deviceapi.internal;

import jakarta.servlet.ServletException;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

/**
 * Gives each request on the device listener the device's address from its connection's PROXY protocol header
 * ({@link ProxyProtocolEndpoint}), so rate limits, audit and provenance see the device, not the load balancer.
 */
final class ProxyProtocolValve extends ValveBase {

    private final Connector connector;
    private final ProxyProtocolEndpoint endpoint;

    ProxyProtocolValve(Connector connector, ProxyProtocolEndpoint endpoint) {
        super(true);
        this.connector = connector;
        this.endpoint = endpoint;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        if (request.getConnector() == connector) {
            InetSocketAddress source = endpoint.source(request.getRemoteAddr(), request.getRemotePort());
            if (source != null) {
                String address = source.getAddress().getHostAddress();
                request.setRemoteAddr(address);
                request.setRemoteHost(address);
            }
        }
        getNext().invoke(request, response);
    }
}
