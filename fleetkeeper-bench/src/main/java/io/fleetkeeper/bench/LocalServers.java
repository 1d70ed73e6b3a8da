package io.fleetkeeper.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/** Starting and stopping the baseline servers a benchmark runs beside Fleetkeeper (nginx, Mosquitto). */
final class LocalServers {

    private LocalServers() {
    }

    /** A free loopback port, at the moment of asking. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts {@code command} with its output in {@code dir/stdout.log} and waits up to 15 s until it accepts
     * connections on {@code port}; if it does not, stops it, deletes {@code dir} and says what it printed.
     */
    static Process start(String name, ProcessBuilder command, Path dir, int port) throws Exception {
        Process p = command.redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String log = Files.readString(dir.resolve("stdout.log"), StandardCharsets.UTF_8);
                    stop(p, dir);
                    throw new IllegalStateException(name + " did not start: " + log);
                }
                Thread.sleep(50);
            }
        }
    }

    /** Stops {@code p} (forcibly after 10 s) and deletes {@code dir}. */
    static void stop(Process p, Path dir) throws Exception {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
