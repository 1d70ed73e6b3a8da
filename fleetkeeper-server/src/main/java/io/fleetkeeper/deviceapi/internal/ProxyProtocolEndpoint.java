package io.fleetkeeper.deviceapi.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.catalina.util.NetMask;
import org.apache.tomcat.util.net.NioEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tomcat's NIO endpoint with the PROXY protocol (v1 or v2) on connections from the load balancers listed in
 * {@code fleetkeeper.device-api.proxy-protocol-from} (Tomcat has none of its own). Such a connection must start
 * with the header, read as soon as it is accepted, before TLS; Netty's {@link HAProxyMessageDecoder} decodes it.
 * The device's address is kept by the balancer-side address of the connection until {@link ProxyProtocolValve}
 * puts it on each request. A listed peer that sends no valid header within {@link #HEADER_WITHIN} is
 * disconnected; connections from other peers are not read here.
 */
final class ProxyProtocolEndpoint extends NioEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolEndpoint.class);
    /** A balancer sends the header with its first packet; the acceptor waits no longer than this for it. */
    static final Duration HEADER_WITHIN = Duration.ofSeconds(2);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
            0x0A};
    private static final int V1_MAX = 107;

    private final List<NetMask> from;
    /** Balancer-side address of a live connection → the device's address its header gave. */
    private final Map<String, InetSocketAddress> sources = new ConcurrentHashMap<>();

    ProxyProtocolEndpoint(List<NetMask> from) {
        this.from = from;
    }

    /** The device's address behind the connection from {@code peer}:{@code port}, or null (not proxied). */
    InetSocketAddress source(String peer, int port) {
        return sources.get(peer + "|" + port);
    }

    @Override
    protected boolean setSocketOptions(SocketChannel socket) {
        InetSocketAddress peer;
        try {
            peer = (InetSocketAddress) socket.getRemoteAddress();
        } catch (IOException e) {
            destroySocket(socket); // see below
            return false;
        }
        if (peer != null && from.stream().anyMatch(m -> m.matches(peer.getAddress()))) {
            String key = peer.getAddress().getHostAddress() + "|" + peer.getPort();
            try {
                InetSocketAddress source = readHeader(socket);
                if (source != null) {
                    sources.put(key, source);
                } else {
                    sources.remove(key); // LOCAL (the balancer's own check): the peer is the client
                }
            } catch (IOException | RuntimeException e) {
                log.debug("device listener: no valid PROXY header from {}: {}", peer, e.toString());
                // As NioEndpoint does when it fails before the socket has a wrapper: the acceptor's closeSocket
                // closes only wrapped sockets, so this one is closed, and its connection count given back, here.
                destroySocket(socket);
                return false;
            }
        }
        return super.setSocketOptions(socket);
    }

    /** Reads exactly the header off the (still blocking) socket and decodes it; null for a LOCAL header. */
    private static InetSocketAddress readHeader(SocketChannel socket) throws IOException {
        socket.socket().setSoTimeout((int) HEADER_WITHIN.toMillis());
        InputStream in = socket.socket().getInputStream(); // not closed: that would close the socket
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        int first = in.read();
        if (first == V2_SIGNATURE[0]) {
            header.write(first);
            header.write(exactly(in, 15)); // signature, version and command, family, length
            byte[] fixed = header.toByteArray();
            for (int i = 0; i < V2_SIGNATURE.length; i++) {
                if (fixed[i] != V2_SIGNATURE[i]) {
                    throw new IOException("not a PROXY protocol v2 signature");
                }
            }
            header.write(exactly(in, ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF)));
        } else if (first == 'P') {
            header.write(first);
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0 || header.size() >= V1_MAX) {
                    throw new IOException("PROXY protocol v1 line too long or cut");
                }
                header.write(b);
            }
            header.write(b);
        } else {
            throw new IOException("no PROXY protocol header");
        }
        return decode(header.toByteArray());
    }

    private static byte[] exactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("PROXY protocol header cut");
        }
        return b;
    }

    private static InetSocketAddress decode(byte[] header) throws IOException {
        EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
        try {
            decoder.writeInbound(Unpooled.wrappedBuffer(header));
            HAProxyMessage m = decoder.readInbound();
            if (m == null) {
                throw new IOException("incomplete PROXY protocol header");
            }
            try {
                return m.command() == HAProxyCommand.PROXY && m.sourceAddress() != null
                        ? new InetSocketAddress(InetAddress.ofLiteral(m.sourceAddress()), m.sourcePort()) : null;
            } finally {
                m.release();
            }
        } finally {
            decoder.finishAndReleaseAll();
        }
    }
}
