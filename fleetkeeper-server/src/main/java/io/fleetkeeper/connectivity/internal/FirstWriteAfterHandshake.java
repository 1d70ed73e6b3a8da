package io.fleetkeeper.connectivity.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * Encrypts a connection's first application write after the TLS handshake (the {@code CONNACK}) into one buffer
 * with room for what BoringSSL sends with it, then steps out of the pipeline. BoringSSL holds the TLS 1.3 session
 * tickets of a handshake (two, ~500 bytes each: they carry the client's certificate) until the server's first
 * write. Netty's {@link SslHandler} sizes its output buffer for the plaintext it wraps, a 4-byte packet plus one
 * record's overhead, so the engine handed the queued tickets over ~26 bytes a round: about 40 rounds, each with a
 * buffer, a promise and a write of its own. Here the one wrap has room for all of it; the bytes go to the handlers
 * below the TLS handler, as the TLS handler's own writes do, in the order the engine produced them. Placed directly
 * above the TLS handler of a native-TLS connection; stateless, shared by every connection.
 */
@Sharable
final class FirstWriteAfterHandshake extends ChannelOutboundHandlerAdapter {

    static final FirstWriteAfterHandshake INSTANCE = new FirstWriteAfterHandshake();
    /** The output buffer: two tickets and a small packet's record, with room to spare. */
    static final int BUFFER = 4096;

    private FirstWriteAfterHandshake() {
    }

    /** Puts the handler directly above the pipeline's TLS handler when that runs on BoringSSL (else nothing). */
    static void install(ChannelPipeline pipeline) {
        ChannelHandlerContext tls = pipeline.context(SslHandler.class);
        if (tls != null && ((SslHandler) tls.handler()).engine() instanceof ReferenceCountedOpenSslEngine) {
            pipeline.addAfter(tls.name(), "tls-first-write", INSTANCE);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        ChannelHandlerContext tls = ctx.pipeline().context(SslHandler.class);
        if (!(msg instanceof ByteBuf buf) || !buf.isReadable() || tls == null
                || !((SslHandler) tls.handler()).handshakeFuture().isSuccess()) {
            ctx.write(msg, promise); // nothing to encrypt, or not yet a session (the TLS handler queues it)
            return;
        }
        ctx.pipeline().remove(this);
        SSLEngine engine = ((SslHandler) tls.handler()).engine();
        ByteBuf out = ctx.alloc().directBuffer(BUFFER + buf.readableBytes());
        ByteBuffer src = buf.nioBuffer();
        try {
            while (true) {
                ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
                SSLEngineResult r = engine.wrap(src, dst);
                out.writerIndex(out.writerIndex() + r.bytesProduced());
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    out.ensureWritable(Math.max(BUFFER, engine.getSession().getPacketBufferSize()));
                } else if (r.getStatus() == SSLEngineResult.Status.CLOSED
                        || (r.bytesConsumed() == 0 && r.bytesProduced() == 0)) {
                    break;
                }
            }
        } catch (Exception e) {
            out.release();
            buf.release();
            promise.setFailure(e);
            throw e;
        }
        buf.skipBytes(buf.readableBytes() - src.remaining());
        if (!buf.isReadable()) {
            buf.release();
            tls.write(out, promise); // from the TLS handler's context: below it, not encrypted again
        } else { // the engine stopped short (closing): what is left goes through the TLS handler, after these bytes
            if (out.isReadable()) {
                tls.write(out);
            } else {
                out.release();
            }
            ctx.write(buf, promise);
        }
    }
}
