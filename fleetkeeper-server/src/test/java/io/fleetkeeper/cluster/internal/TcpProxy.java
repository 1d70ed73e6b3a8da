package io.fleetkeeper.cluster.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder to a local port that a test can hold shut (connections are accepted and closed at once)
 * and whose live connections it can cut, to play an unreachable or flapping Redis.
 */
public final class TcpProxy implements AutoCloseable {

    private final int target;
    private final ServerSocket server;
    private final List<Socket> live = new CopyOnWriteArrayList<>();
    private volatile boolean open;

    public TcpProxy(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0);
        Thread.ofVirtual().start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    public void open() {
        open = true;
    }

    /** Closes every forwarded connection; new ones are forwarded again when open. */
    public void cut() {
        for (Socket s : live) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        live.clear();
    }

    public void shut() {
        open = false;
        cut();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (!open) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket("127.0.0.1", target);
                live.add(client);
                live.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                // closed, or one failed connection
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // cut
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        cut();
    }
}
