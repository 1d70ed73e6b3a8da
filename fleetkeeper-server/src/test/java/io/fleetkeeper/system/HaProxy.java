package io.fleetkeeper.system;

import io.fleetkeeper.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy ({@code /usr/sbin/haproxy}) in the foreground with the repository's configuration
 * {@code deploy/haproxy/fleetkeeper.cfg}, its addresses and ports given through the environment the file reads.
 */
final class HaProxy implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/haproxy");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final int mqttPort = ServerProcess.freePortUnchecked();
    final int devicePort = ServerProcess.freePortUnchecked();
    final int httpPort = ServerProcess.freePortUnchecked();
    final int statsPort = ServerProcess.freePortUnchecked();
    private final Path log;
    private final Process process;

    /** Starts HAProxy in front of the nodes: each entry is {management port, MQTT port, device port}. */
    HaProxy(List<int[]> nodes) throws IOException {
        Map<String, String> env = new HashMap<>(Map.of("FK_BIND", "127.0.0.1", "FK_STATS_BIND", "127.0.0.1",
                "FK_MQTT_PORT", "" + mqttPort, "FK_DEVICE_PORT", "" + devicePort, "FK_HTTP_PORT", "" + httpPort,
                "FK_STATS_PORT", "" + statsPort));
        for (int i = 0; i < nodes.size(); i++) {
            String n = "FK_NODE" + (i + 1);
            env.put(n, "127.0.0.1");
            env.put(n + "_HTTP", "" + nodes.get(i)[0]);
            env.put(n + "_MQTT", "" + nodes.get(i)[1]);
            env.put(n + "_DEVICE", "" + nodes.get(i)[2]);
        }
        log = Files.createTempFile("haproxy", ".log");
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "-db", "-f", config().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
    }

    /** The configuration file in the repository (the tests run in the module's directory). */
    static Path config() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path cfg = dir.resolve("deploy/haproxy/fleetkeeper.cfg");
            if (Files.isRegularFile(cfg)) {
                return cfg;
            }
        }
        throw new IllegalStateException("deploy/haproxy/fleetkeeper.cfg not found above " + Path.of("").toAbsolutePath());
    }

    /** Waits until HAProxy reports {@code server} of {@code backend} in {@code status} ("UP", "DOWN"). */
    void awaitStatus(String backend, String server, String status, Duration within) {
        Await.until(within, backend + "/" + server + " " + status, () -> status(backend, server), status::equals);
    }

    /** The status HAProxy's statistics give {@code server} of {@code backend}. */
    String status(String backend, String server) throws Exception {
        try {
            return row(backend, server).get("status").split(" ")[0];
        } catch (java.net.ConnectException starting) {
            return "NOT LISTENING"; // HAProxy has not bound its ports yet
        }
    }

    /** The connections {@code server} of {@code backend} holds now. */
    int current(String backend, String server) throws Exception {
        return Integer.parseInt(row(backend, server).get("scur"));
    }

    private Map<String, String> row(String backend, String server) throws Exception {
        if (!process.isAlive()) {
            throw new IllegalStateException("haproxy exited: " + Files.readString(log));
        }
        String csv = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        String[] lines = csv.split("\n");
        String[] header = lines[0].replaceFirst("^# ", "").split(",", -1);
        for (String line : lines) {
            String[] cells = line.split(",", -1);
            if (cells.length > 1 && cells[0].equals(backend) && cells[1].equals(server)) {
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < header.length && i < cells.length; i++) {
                    row.put(header[i], cells[i]);
                }
                return row;
            }
        }
        throw new IllegalStateException("no " + backend + "/" + server + " in HAProxy's statistics: " + csv);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
