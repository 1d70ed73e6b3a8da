package io.fleetkeeper.testing;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.UUID;

/** The machine's Redis for the cluster-bus tests, which skip (visibly) when it is not there. */
public final class RedisServer {

    public static final String URL = "redis://127.0.0.1:6379";

    private RedisServer() {
    }

    /** Skips the calling test class unless Redis listens on 127.0.0.1:6379. */
    public static void assumeRunning() {
        boolean up;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
            up = true;
        } catch (IOException e) {
            up = false;
        }
        assumeThat(up).as("Redis is listening on 127.0.0.1:6379 (start it to run the cluster bus tests)").isTrue();
    }

    /** A pub/sub channel of its own, so concurrent test runs never hear each other. */
    public static String channel() {
        return "fk-test-" + UUID.randomUUID() + ":cluster";
    }
}
