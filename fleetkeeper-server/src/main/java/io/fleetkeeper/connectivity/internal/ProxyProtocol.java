package io.fleetkeeper.connectivity.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.apache.catalina.util.NetMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PROXY protocol (v1 or v2, decoded by Netty's {@link HAProxyMessageDecoder}) on connections from the load
 * balancers listed in {@code fleetkeeper.mqtt.proxy-protocol-from}: such a connection must start with the header,
 * which gives the device's own address; a connection from any other peer is read as it is (a header there would
 * fail the TLS handshake). A listed peer that sends no valid header is disconnected.
 */
final class ProxyProtocol {

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocol.class);
    /** The device's address as the load balancer saw it, when a header gave one. */
    private static final AttributeKey<InetSocketAddress> SOURCE = AttributeKey.valueOf("fleetkeeper.proxy-source");

    private final List<NetMask> from;

    ProxyProtocol(List<String> from) {
        this.from = from.stream().map(String::strip).filter(p -> !p.isEmpty()).map(ProxyProtocol::netMask).toList();
        if (!this.from.isEmpty()) {
            log.info("MQTT endpoint: connections from {} start with a PROXY protocol header", this.from);
        }
    }

    private static NetMask netMask(String proxy) {
        try {
            return new NetMask(proxy);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("fleetkeeper.mqtt.proxy-protocol-from: '" + proxy
                    + "' is not an IP address or CIDR block", e);
        }
    }

    /** Puts the header's decoder first in the pipeline of a connection from a listed proxy. */
    void install(Channel ch) {
        if (!from.isEmpty() && ch.remoteAddress() instanceof InetSocketAddress peer && trusted(peer.getAddress())) {
            ch.pipeline().addFirst("proxy-protocol", new HAProxyMessageDecoder())
                    .addAfter("proxy-protocol", "proxy-source", new Source());
        }
    }

    private boolean trusted(InetAddress peer) {
        return from.stream().anyMatch(m -> m.matches(peer));
    }

    /** The device's address: the one the PROXY header gave, else the peer's. */
    static SocketAddress remoteAddress(Channel ch) {
        // hasAttr first: attr() would add an empty attribute to every connection's map for its lifetime
        InetSocketAddress source = ch.hasAttr(SOURCE) ? ch.attr(SOURCE).get() : null;
        return source != null ? source : ch.remoteAddress();
    }

    /** Takes the decoded header (the decoder removes itself after it), then steps aside. */
    private static final class Source extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HAProxyMessage header)) {
                ctx.fireChannelRead(msg); // cannot happen: the decoder passes on nothing before the header
                return;
            }
            try {
                if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                    ctx.channel().attr(SOURCE).set(new InetSocketAddress(
                            InetAddress.ofLiteral(header.sourceAddress()), header.sourcePort()));
                }
            } catch (IllegalArgumentException unknownFamily) {
                // a UNIX socket address: keep the peer's
            } finally {
                header.release();
            }
            ctx.pipeline().remove(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("MQTT endpoint: no valid PROXY header from {}: {}", ctx.channel().remoteAddress(),
                    cause.getMessage());
            ctx.close();
        }
    }
}
