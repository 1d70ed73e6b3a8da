package io.fleetkeeper.system;

import io.fleetkeeper.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis or NATS server of the test's own (the Debian packages' binaries) on a free port, so a test can kill and
 * restart it without touching the services other tests share. Start and kill are safe to call twice.
 */
final class Daemon implements AutoCloseable {

    static final Path REDIS = Path.of("/usr/bin/redis-server");
    static final Path NATS = Path.of("/usr/sbin/nats-server");

    final String name;
    final int port = ServerProcess.freePortUnchecked();
    private final List<String> command;
    private final Path log;
    private Process process;

    private Daemon(String name, List<String> command) throws IOException {
        this.name = name;
        this.command = command;
        this.log = Files.createTempFile(name, ".log");
    }

    /** Redis with nothing persisted (the cluster bus is pub/sub only). */
    static Daemon redis() throws IOException {
        Daemon d = new Daemon("redis", new ArrayList<>());
        d.command.addAll(List.of(REDIS.toString(), "--port", "" + d.port, "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"));
        return d;
    }

    /** NATS with JetStream, its streams in {@code store} (kept across a restart). */
    static Daemon nats(Path store) throws IOException {
        Daemon d = new Daemon("nats", new ArrayList<>());
        d.command.addAll(List.of(NATS.toString(), "-js", "-a", "127.0.0.1", "-p", "" + d.port, "-sd",
                store.toString()));
        return d;
    }

    String url(String scheme) {
        return scheme + "://127.0.0.1:" + port;
    }

    /** Starts it and waits until it takes connections. */
    synchronized Daemon start() throws IOException {
        if (process == null || !process.isAlive()) {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }
        Await.until(Duration.ofSeconds(20), name + " listening on " + port, this::listening, up -> up);
        return this;
    }

    /** SIGKILL, and waits until it is gone. */
    synchronized void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
