package io.fleetkeeper.system;

import io.fleetkeeper.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Fleetkeeper server as a separate operating-system process (the test class path, the real main
 * class), so tests can stop it, restart it on the same data, and kill it with SIGKILL.
 */
final class ServerProcess implements AutoCloseable {

    static final String PLATFORM_TOKEN = "fk_systemtestsystemtestsystemtestsystemtest0001";

    /** Generous: a start takes 15 s on an idle two-core machine and over a minute on a busy one. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(180);

    private Duration readyWithin = READY_WITHIN;

    private final Path dataDir;
    private final int port;
    private final Path log;
    private Process process;

    ServerProcess(Path dataDir) throws IOException {
        this(dataDir, freePort());
    }

    /** A server on a given management port (a restarted node a load balancer knows by its address). */
    ServerProcess(Path dataDir, int port) throws IOException {
        this.dataDir = dataDir;
        this.port = port;
        this.log = Files.createTempFile("fleetkeeper-server", ".log");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static int freePortUnchecked() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Waits up to {@code within} for readiness at start (several processes starting on two cores take longer). */
    ServerProcess readyWithin(Duration within) {
        this.readyWithin = within;
        return this;
    }

    int port() {
        return port;
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    Path log() {
        return log;
    }

    ServerProcess start(String... extraArgs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "io.fleetkeeper.FleetkeeperApplication", "--server.port=" + port,
                "--fleetkeeper.db.data-dir=" + dataDir, "--fleetkeeper.auth.bootstrap-token=" + PLATFORM_TOKEN,
                "--logging.level.root=WARN"));
        cmd.addAll(List.of(extraArgs));
        if (cmd.stream().noneMatch(a -> a.startsWith("--fleetkeeper.mqtt.port="))) {
            cmd.add("--fleetkeeper.mqtt.port=0"); // never the default 8883, which a local server may hold
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitReady();
        return this;
    }

    private void awaitReady() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        try {
            Await.until(readyWithin, "the server ready", () -> ready(client));
        } catch (AssertionError notReady) {
            kill(); // never leave a half-started server behind
            throw new IllegalStateException("server did not become ready in " + readyWithin + ": " + Files.readString(log));
        }
    }

    private boolean ready(HttpClient client) throws Exception {
        if (!process.isAlive()) {
            throw new IllegalStateException("server exited: " + Files.readString(log));
        }
        try {
            return client.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (IOException notYet) {
            return false; // not listening yet
        }
    }

    /** SIGKILL: no shutdown hooks, no flushing, exactly like a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the graceful shutdown path. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder()
            .build();

    /** Sends a JSON request with {@code token}; a non-2xx answer fails the test with the body and the server log. */
    tools.jackson.databind.JsonNode call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        org.assertj.core.api.Assertions.assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()
                + "\nlog: " + Files.readString(log())).isBetween(200, 299);
        return JSON.readTree(r.body());
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
