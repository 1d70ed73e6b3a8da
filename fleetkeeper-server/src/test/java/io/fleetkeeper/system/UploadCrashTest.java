package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Generated;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A SIGKILL in the middle of an artifact upload leaves no artifact and no visible blob; after the restart the
 * temporary file is swept.
 */
class UploadCrashTest {

    @TempDir
    Path dataDir;

    @Test
    void killDuringAnUploadLeavesNoPartialArtifact() throws Exception {
        String admin;
        String firmwarePath;
        Path tmp = dataDir.resolve("blobs").resolve(".tmp");
        CountDownLatch never = new CountDownLatch(1);
        try (ServerProcess server = new ServerProcess(dataDir).start()) {
            admin = server.call("POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                    "{\"name\":\"crash-upload\"}").path("admin_token").path("token").asString();
            String id = server.call("POST", "/api/v1/firmware", admin, "{\"name\":\"os\",\"version\":\"1\"}")
                    .path("id").asString();
            firmwarePath = "/api/v1/firmware/" + id;
            // 8 MB of a 20 MB artifact, then the client stalls: the server is killed mid-stream.
            InputStream stalling = new java.io.SequenceInputStream(new Generated(31, 8L << 20), new InputStream() {
                @Override
                public int read() throws IOException {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IOException("stopped");
                }
            });
            HttpRequest upload = HttpRequest.newBuilder(URI.create(server.base() + firmwarePath
                            + "/artifacts/os.swu")).header("Authorization", "Bearer " + admin)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> stalling), 20L << 20)).build();
            CompletableFuture<HttpResponse<String>> sent = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .sendAsync(upload, HttpResponse.BodyHandlers.ofString());
            Await.until(Duration.ofSeconds(30), "4 MB of the upload in a temporary file", () -> partBytes(tmp),
                    bytes -> bytes >= 4L << 20);
            server.kill();
            never.countDown();
            sent.handle((r, e) -> null).join();
        }
        assertThat(parts(tmp)).as("the interrupted upload's temporary file").hasSize(1);
        try (ServerProcess server = new ServerProcess(dataDir).start("--fleetkeeper.blobs.temp-max-age=0s")) {
            JsonNode firmware = server.call("GET", firmwarePath, admin, null);
            assertThat(firmware.path("artifacts")).isEmpty();
            assertThat(firmware.path("revision").asLong()).isEqualTo(1);
            assertThat(blobFiles(dataDir.resolve("blobs"))).as("visible blobs").isEmpty();
            Await.until(Duration.ofSeconds(40), "the temporary file swept", () -> parts(tmp).isEmpty());
        }
    }

    private static long partBytes(Path tmp) throws IOException {
        long total = 0;
        for (Path p : parts(tmp)) {
            total += Files.size(p);
        }
        return total;
    }

    private static List<Path> parts(Path tmp) throws IOException {
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(p -> p.toString().endsWith(".part")).toList();
        }
    }

    private static List<Path> blobFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.startsWith(root.resolve(".tmp"))).toList();
        }
    }
}
