package io.fleetkeeper.testing;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** The NATS server (with JetStream) the tests use when it runs on this machine; the test is skipped, visibly, when not. */
public final class NatsServer {

    public static final String URL = "nats://127.0.0.1:4222";

    private NatsServer() {
    }

    public static void assumeRunning() {
        boolean up;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 4222), 1000);
            up = true;
        } catch (IOException e) {
            up = false;
        }
        if (!up) {
            System.out.println("SKIPPED: NATS JetStream tests: no NATS server at " + URL);
        }
        assumeThat(up).as("NATS with JetStream at " + URL + " (the JetStream tests are skipped without it)").isTrue();
    }
}
