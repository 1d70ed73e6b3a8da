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
 *
 * <p>The system tests start the server some thirty times, so the starts share a dynamic class-data archive: one
 * server at a time is started with {@code -XX:ArchiveClassesAtExit}, and when it is stopped gracefully its archive
 * becomes the one later starts map their classes from instead of loading them. The JVM archives classes from JARs
 * only, so the compiled classes are packed into one JAR first. Without the archive a start only takes longer.
 */
final class ServerProcess implements AutoCloseable {

    static final String PLATFORM_TOKEN = "fk_systemtestsystemtestsystemtestsystemtest0001";

    /** Generous: a start takes 15 s on an idle two-core machine and over a minute on a busy one. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(180);

    private Duration readyWithin = READY_WITHIN;
    private List<String> jvmOptions = List.of();

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

    /** Extra JVM options for the next starts (e.g. a lighter JIT for several processes on two cores). */
    ServerProcess jvmOptions(String... options) {
        this.jvmOptions = List.of(options);
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
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(sharing());
        cmd.addAll(List.of("-cp", ClassPath.JARS,
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
        archived(false);
    }

    /** SIGTERM: the graceful shutdown path. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(archiveTo == null ? 30 : 90, TimeUnit.SECONDS)) {
            kill();
            return;
        }
        archived(true);
    }

    private static boolean archiving;
    private Path archiveTo;

    /** The class-data flags of a start: map the archive, or write it at exit when no server does so yet. */
    private List<String> sharing() {
        synchronized (ClassPath.class) {
            List<String> quiet = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
            if (Files.exists(ClassPath.ARCHIVE)) {
                return concat(List.of("-XX:SharedArchiveFile=" + ClassPath.ARCHIVE), quiet);
            }
            if (archiving) {
                return List.of();
            }
            archiving = true;
            archiveTo = ClassPath.DIR.resolve("server-" + System.nanoTime() + ".jsa").toAbsolutePath();
            return concat(List.of("-XX:ArchiveClassesAtExit=" + archiveTo), quiet);
        }
    }

    /** After this server exited: keeps the archive it wrote when it exited gracefully. */
    private void archived(boolean graceful) {
        if (archiveTo == null) {
            return;
        }
        synchronized (ClassPath.class) {
            try {
                if (graceful && process.exitValue() != 137 && Files.isRegularFile(archiveTo)
                        && Files.size(archiveTo) > 0) {
                    Files.move(archiveTo, ClassPath.ARCHIVE, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.deleteIfExists(archiveTo);
                }
            } catch (IOException e) {
                // without the archive, starts only take longer
            } finally {
                archiving = false;
                archiveTo = null;
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
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
            if (archiveTo != null) {
                stop(); // the test is over: the server that writes the class-data archive exits gracefully
            } else {
                kill();
            }
        }
    }

    /** The test class path with its directories packed into one JAR, built once per test run. */
    private static final class ClassPath {

        static final Path DIR = Path.of("target", "system-tests");
        static final Path ARCHIVE = DIR.resolve("server.jsa").toAbsolutePath();
        static final String JARS = jars();

        private static String jars() {
            try {
                Files.createDirectories(DIR);
                Path jar = DIR.resolve("classes.jar").toAbsolutePath();
                List<String> entries = new ArrayList<>();
                List<Path> dirs = new ArrayList<>();
                for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                    if (Files.isDirectory(Path.of(e))) {
                        dirs.add(Path.of(e));
                    } else if (!e.isEmpty()) {
                        entries.add(e);
                    }
                }
                pack(dirs, jar);
                Files.deleteIfExists(ARCHIVE); // made for the JAR of an earlier run
                entries.addFirst(jar.toString());
                return String.join(java.io.File.pathSeparator, entries);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /**
     * Packs the directories into the JAR, directory entries included (Spring's class-path scanning and Flyway's
     * migration lookup list a package through them); a file in an earlier directory wins, as on the class path.
     */
        private static void pack(List<Path> dirs, Path jar) throws IOException {
            java.util.Set<String> seen = new java.util.HashSet<>();
            Path tmp = Files.createTempFile(DIR, "classes", ".jar");
            try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(tmp))) {
                for (Path dir : dirs) {
                    List<Path> files;
                    try (var walk = Files.walk(dir)) {
                        files = walk.filter(f -> !f.equals(dir)).sorted().toList();
                    }
                    for (Path f : files) {
                        boolean directory = Files.isDirectory(f);
                        String name = dir.relativize(f).toString().replace(java.io.File.separatorChar, '/')
                                + (directory ? "/" : "");
                        if (seen.add(name)) {
                            out.putNextEntry(new java.util.jar.JarEntry(name));
                            if (!directory) {
                                Files.copy(f, out);
                            }
                            out.closeEntry();
                        }
                    }
                }
            }
            Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
