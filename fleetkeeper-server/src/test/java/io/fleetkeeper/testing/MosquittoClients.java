package io.fleetkeeper.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs Mosquitto's command-line clients ({@code mosquitto_pub}, {@code mosquitto_sub}, Debian package
 * {@code mosquitto-clients}) against the endpoint: an MQTT implementation independent of ours.
 */
public final class MosquittoClients {

    /** A finished or running client process. */
    public record Run(Process process) {

        public Run await(long seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
            return this;
        }

        public int exitCode() {
            return process.exitValue();
        }

        public String output() throws IOException {
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private final int port;

    public MosquittoClients(int port) {
        this.port = port;
    }

    /** Skips the calling test, visibly, when the clients are not installed. */
    public static void assumeInstalled() {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= new java.io.File(dir, "mosquitto_sub").canExecute();
        }
        Assumptions.assumeTrue(found, "mosquitto_sub/mosquitto_pub not installed (Debian package mosquitto-clients):"
                + " the tests with an independent MQTT client are skipped");
    }

    /** Skips the calling test, visibly, when no MQTT broker (Mosquitto) listens on 127.0.0.1:{@code port}. */
    public static void assumeBroker(int port) {
        boolean up;
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            up = true;
        } catch (IOException e) {
            up = false;
        }
        Assumptions.assumeTrue(up, "no MQTT broker (Mosquitto) at 127.0.0.1:" + port);
    }

    /** Common TLS options: the platform CA, a client certificate or a device key. */
    public static List<String> certificate(MqttDevices.CertDevice d) {
        return List.of("--cafile", d.caFile().toString(), "--cert", d.certFile().toString(), "--key",
                d.keyFile().toString(), "-i", d.id());
    }

    public static List<String> deviceKey(MqttDevices.KeyDevice d) {
        return List.of("--cafile", d.caFile().toString(), "-i", d.id(), "-u", d.id(), "-P", d.key());
    }

    public Run sub(List<String> credentials, String... args) throws IOException {
        return run("mosquitto_sub", credentials, args);
    }

    public Run pub(List<String> credentials, String... args) throws IOException {
        return run("mosquitto_pub", credentials, args);
    }

    private Run run(String command, List<String> credentials, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command, "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(credentials);
        cmd.addAll(List.of(args));
        return new Run(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }
}
