package io.fleetkeeper.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * What a TCP load balancer does: a connection from {@link ApiTest#PROXY_ADDRESS} that starts with a PROXY protocol
 * v2 header (encoded by Netty's {@link HAProxyMessageEncoder}) naming the device's address.
 */
public final class ProxyHeaders {

    private ProxyHeaders() {
    }

    /** A TCP connection from the balancer's address to {@code port}, with a header for {@code source} (null: none). */
    public static Socket connect(String balancer, int port, String source) {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(balancer, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            if (source != null) {
                s.getOutputStream().write(v2(source, 40000 + s.getLocalPort() % 20000, port));
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bytes of a PROXY v2 header for a TCP over IPv4 connection from {@code source} to 127.0.0.1. */
    public static byte[] v2(String source, int sourcePort, int port) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, source, "127.0.0.1", sourcePort, port));
        ByteBuf header = encoder.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(header);
        header.release();
        encoder.finishAndReleaseAll();
        return bytes;
    }
}
