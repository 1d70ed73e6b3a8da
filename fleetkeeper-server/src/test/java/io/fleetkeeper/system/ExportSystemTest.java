package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.S3Server;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Exports against real server processes: to a real S3-compatible server (S3Proxy) with the download redirected to
 * a pre-signed URL on the store's public endpoint and fetched by plain {@code curl}; canceled while it runs; and
 * killed with SIGKILL while it runs, after which it is taken over on restart and completes, never leaving a
 * partial artifact visible.
 */
class ExportSystemTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .build();

    @TempDir
    Path dataDir;

    @Test
    void s3ExportRedirectsToAPresignedUrlOnThePublicEndpointThatCurlDownloads() throws Exception {
        S3Server s3 = S3Server.start();
        try {
            s3.createBucket("exports");
            String publicEndpoint = "http://localhost:" + s3.endpoint().getPort();
            try (ServerProcess server = new ServerProcess(dataDir).start("--fleetkeeper.blobs.store=s3",
                    "--fleetkeeper.blobs.s3.endpoint=" + s3.endpoint(), "--fleetkeeper.blobs.s3.bucket=exports",
                    "--fleetkeeper.blobs.s3.access-key=" + S3Server.ACCESS_KEY,
                    "--fleetkeeper.blobs.s3.secret-key=" + S3Server.SECRET_KEY,
                    "--fleetkeeper.blobs.s3.public-endpoint=" + publicEndpoint)) {
                String admin = tenant(server, "s3-export");
                importDevices(server, admin, 300);
                JsonNode done = awaitFinished(server, admin, server.call("POST", "/api/v1/exports", admin,
                        "{\"kind\":\"devices\",\"format\":\"csv\",\"compression\":\"gzip\"}").path("id").asString());
                assertThat(done.path("status").asString()).isEqualTo("SUCCEEDED");
                assertThat(done.path("row_count").asLong()).isEqualTo(300);

                HttpResponse<String> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(server.base()
                        + "/api/v1/exports/" + done.path("id").asString() + "/download"))
                        .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(redirect.statusCode()).isEqualTo(302);
                String location = redirect.headers().firstValue("Location").orElseThrow();
                assertThat(location).startsWith(publicEndpoint + "/exports/blobs/").contains("X-Amz-Signature=");

                Path file = dataDir.resolve("export.csv.gz");
                Process curl = new ProcessBuilder("curl", "-sSfL", "-o", file.toString(), location)
                        .redirectErrorStream(true).start();
                String curlOut = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(curl.waitFor()).as("curl: " + curlOut).isZero();
                byte[] gz = Files.readAllBytes(file);
                assertThat((long) gz.length).isEqualTo(done.path("size").asLong());
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gz)))
                        .isEqualTo(done.path("sha256").asString());
                String csv;
                try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
                    csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                assertThat(csv.split("\r\n")).hasSize(301);
                assertThat(csv).contains("dev-00042");
            }
        } finally {
            s3.stop();
        }
    }

    @Test
    void anExportCanceledOrKilledWhileRunningLeavesNoArtifactAndAKilledOneCompletesAfterRestart()
            throws Exception {
        int devices = 20_000;
        // one row a page, so the export runs long enough to be caught in the middle
        String[] args = {"--fleetkeeper.exports.page-size=1", "--fleetkeeper.exports.lease=3s"};
        String admin;
        String killed;
        Path blobs = dataDir.resolve("blobs");
        try (ServerProcess server = new ServerProcess(dataDir).start(args)) {
            admin = tenant(server, "crash-export");
            importDevices(server, admin, devices);

            String canceled = startAndAwaitRunning(server, admin);
            JsonNode c = server.call("POST", "/api/v1/exports/" + canceled + "/cancel", admin, "{}");
            assertThat(c.path("status").asString()).isEqualTo("CANCELED");
            Await.until(Duration.ofSeconds(30), "the canceled export's bytes discarded",
                    () -> blobFiles(blobs).isEmpty() && temporaryFiles(blobs).isEmpty());
            JsonNode after = server.call("GET", "/api/v1/exports/" + canceled, admin, null);
            assertThat(after.path("status").asString()).isEqualTo("CANCELED");
            assertThat(after.path("sha256").isNull()).isTrue();

            killed = startAndAwaitRunning(server, admin);
            server.kill();
        }
        assertThat(blobFiles(blobs)).as("visible blobs after the kill").isEmpty();
        try (ServerProcess server = new ServerProcess(dataDir).start(args)) {
            JsonNode done = awaitFinished(server, admin, killed);
            assertThat(done.path("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(done.path("row_count").asLong()).isEqualTo(devices);
            assertThat(blobFiles(blobs)).as("exactly the one artifact").hasSize(1);
            HttpResponse<String> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(server.base()
                    + "/api/v1/exports/" + killed + "/download")).header("Authorization", "Bearer " + admin).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(redirect.statusCode()).isEqualTo(302);
            HttpResponse<byte[]> artifact = HTTP.send(HttpRequest.newBuilder(URI.create(server.base()).resolve(
                    redirect.headers().firstValue("Location").orElseThrow())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            try (var in = new GZIPInputStream(new ByteArrayInputStream(artifact.body()))) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r\n"))
                        .hasSize(devices + 1);
            }
        }
    }

    private static String tenant(ServerProcess server, String name) throws Exception {
        return server.call("POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                "{\"name\":\"" + name + "\"}").path("admin_token").path("token").asString();
    }

    private static void importDevices(ServerProcess server, String admin, int n) throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < n; i++) {
            body.append("{\"name\":\"dev-").append(String.format("%05d", i))
                    .append("\",\"device_type\":\"meter\",\"tags\":[\"a\",\"b\"],\"metadata\":{\"floor\":")
                    .append(i % 7).append("}}\n");
        }
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.base()
                        + "/api/v1/devices/import")).header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(
                        body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"created\":" + n);
    }

    private static String startAndAwaitRunning(ServerProcess server, String admin) throws Exception {
        String id = server.call("POST", "/api/v1/exports", admin, "{\"kind\":\"devices\"}").path("id").asString();
        JsonNode e = Await.until(Duration.ofSeconds(30), "export " + id + " running",
                () -> server.call("GET", "/api/v1/exports/" + id, admin, null),
                x -> !x.path("status").asString().equals("QUEUED"));
        assertThat(e.path("status").asString()).as("caught while running").isEqualTo("RUNNING");
        return id;
    }

    private static JsonNode awaitFinished(ServerProcess server, String admin, String id) {
        return Await.until(Duration.ofSeconds(120), "export " + id + " finished",
                () -> server.call("GET", "/api/v1/exports/" + id, admin, null),
                x -> !x.path("status").asString().equals("QUEUED") && !x.path("status").asString().equals("RUNNING"));
    }

    /** Named blobs: every file of the store but its temporary directory. */
    private static List<Path> blobFiles(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.startsWith(root.resolve(".tmp"))).toList();
        }
    }

    private static List<Path> temporaryFiles(Path root) throws IOException {
        Path tmp = root.resolve(".tmp");
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(tmp)) {
            return files.toList();
        }
    }
}
