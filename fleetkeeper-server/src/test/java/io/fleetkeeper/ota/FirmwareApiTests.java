package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.store.StoreProperties;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Generated;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The firmware catalog over HTTP: metadata, streamed artifact uploads (larger than any buffer, with and without
 * a declared length), digests, range downloads, quota and tenant isolation. The shared test server has a
 * tenant quota of 64 MB.
 */
class FirmwareApiTests extends ApiTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private BlobService blobs;
    @Autowired
    private StoreProperties store;
    @LocalServerPort
    private int port;

    private TestTenant tenant;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
    }

    private JsonNode create(String name, String version) {
        return api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", name, "version", version,
                "device_types", List.of("sensor"), "description", "d", "release_notes", "notes")).expect(201);
    }

    @Test
    void catalogKeepsOneVersionPerNameAndRefusesBadInput() {
        JsonNode f = create("gateway-os", "1.4.2");
        assertThat(f.path("device_types")).hasSize(1);
        assertThat(f.path("artifacts")).isEmpty();
        String path = "/api/v1/firmware/" + f.path("id").asString();
        api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "gateway-os", "version", "1.4.2"))
                .expectProblem(409, "ALREADY_EXISTS");
        create("gateway-os", "1.5.0-rc.1");
        create("sensor-fw", "2024.01");
        JsonNode bad = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "x", "version", "1 2",
                "device_types", List.of("ok", "no/slash"))).expectProblem(400, "VALIDATION_FAILED");
        assertThat(bad.path("errors").valueStream().map(e -> e.path("field").asString()))
                .containsExactlyInAnyOrder("version", "device_types/1");
        api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "x", "version", "1", "colour", "red"))
                .expectProblem(400, "UNKNOWN_FIELD");

        JsonNode first = api.get(tenant.admin(), "/api/v1/firmware?name=gateway-os&limit=1").expect(200);
        assertThat(first.path("items").path(0).path("version").asString()).isEqualTo("1.4.2");
        JsonNode second = api.get(tenant.admin(), "/api/v1/firmware?name=gateway-os&limit=1&cursor="
                + first.path("next_cursor").asString()).expect(200);
        assertThat(second.path("items").path(0).path("version").asString()).isEqualTo("1.5.0-rc.1");
        assertThat(second.path("next_cursor").isNull()).isTrue();
        assertThat(api.get(tenant.admin(), "/api/v1/firmware").expect(200).path("items")).hasSize(3);

        Reply got = api.get(tenant.admin(), path);
        got.expect(200);
        api.patch(tenant.admin(), path, Map.of("description", "new"), "\"999\"").expectProblem(412,
                "PRECONDITION_FAILED");
        api.patch(tenant.admin(), path, Map.of("version", "9"), got.etag()).expectProblem(400, "READ_ONLY_FIELD");
        JsonNode patched = api.patch(tenant.admin(), path, Map.of("description", "new", "device_types",
                List.of("sensor", "gateway")), got.etag()).expect(200);
        assertThat(patched.path("description").asString()).isEqualTo("new");
        assertThat(patched.path("device_types")).hasSize(2);
        assertThat(patched.path("revision").asLong()).isEqualTo(2);

        String viewer = token(tenant, "viewer");
        api.post(viewer, "/api/v1/firmware", Map.of("name", "y", "version", "1")).expectProblem(403, "FORBIDDEN");
        api.delete(tenant.admin(), path).expect(204);
        api.get(tenant.admin(), path).expectProblem(404, "NOT_FOUND");
        assertThat(auditActions()).contains("firmware.create", "firmware.update", "firmware.delete");
    }

    @Test
    void fiftyMegabytesStreamInWithDigestsAndDownloadWhole() throws Exception {
        String id = create("big", "1.0.0").path("id").asString();
        long size = 50L * 1024 * 1024;
        String sha256 = Generated.sha256(11, size);
        Reply up = upload(tenant.admin(), "/api/v1/firmware/" + id + "/artifacts/big.swu?sha256=" + sha256,
                new Generated(11, size), -1); // chunked: no length announced
        JsonNode artifact = up.expect(201);
        assertThat(artifact.path("size").asLong()).isEqualTo(size);
        assertThat(artifact.path("sha256").asString()).isEqualTo(sha256);
        assertThat(artifact.path("sha1").asString()).isEqualTo(Generated.digest("SHA-1", 11, size));
        assertThat(artifact.path("md5").asString()).isEqualTo(Generated.digest("MD5", 11, size));

        JsonNode detail = api.get(tenant.admin(), "/api/v1/firmware/" + id).expect(200);
        assertThat(detail.path("artifacts").path(0).path("filename").asString()).isEqualTo("big.swu");
        assertThat(detail.path("revision").asLong()).isEqualTo(2);

        HttpResponse<InputStream> down = HTTP.send(get(tenant.admin(), "/api/v1/firmware/" + id
                + "/artifacts/big.swu").build(), BodyHandlers.ofInputStream());
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.headers().firstValueAsLong("Content-Length")).hasValue(size);
        assertThat(down.headers().firstValue("ETag")).hasValue("\"" + sha256 + "\"");
        assertThat(down.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(sha256(down.body())).isEqualTo(sha256);
        assertThat(blobs.usage(UUID.fromString(tenant.id())).bytes()).isEqualTo(size);

        api.delete(tenant.admin(), "/api/v1/firmware/" + id).expect(204);
        assertThat(blobs.usage(UUID.fromString(tenant.id())).bytes()).isZero();
        assertThat(storedFiles()).isEmpty();
    }

    @Test
    void wrongExpectedDigestIsRefusedAndNothingIsKept() {
        String id = create("fw", "1").path("id").asString();
        String wrong = Generated.sha256(99, 1);
        JsonNode problem = upload(tenant.admin(), "/api/v1/firmware/" + id + "/artifacts/a.bin?sha256=" + wrong,
                new Generated(12, 3_000_000), 3_000_000).expectProblem(400, "DIGEST_MISMATCH");
        assertThat(problem.path("actual_sha256").asString()).isEqualTo(Generated.sha256(12, 3_000_000));
        upload(tenant.admin(), "/api/v1/firmware/" + id + "/artifacts/a.bin?sha256=xyz", new Generated(12, 10), 10)
                .expectProblem(400, "INVALID_PARAMETER");
        upload(tenant.admin(), "/api/v1/firmware/" + id + "/artifacts/.hidden", new Generated(12, 10), 10)
                .expectProblem(400, "VALIDATION_FAILED");
        JsonNode detail = api.get(tenant.admin(), "/api/v1/firmware/" + id).expect(200);
        assertThat(detail.path("artifacts")).isEmpty();
        assertThat(detail.path("revision").asLong()).isEqualTo(1);
        assertThat(blobs.usage(UUID.fromString(tenant.id())).bytes()).isZero();
        assertThat(storedFiles()).isEmpty();
        assertThat(auditActions()).doesNotContain("firmware.artifact.upload");
        upload(tenant.admin(), "/api/v1/firmware/" + id + "/artifacts/a.bin?sha256="
                + Generated.sha256(12, 3_000_000).toUpperCase(), new Generated(12, 3_000_000), 3_000_000).expect(201);
        upload(tenant.admin(), "/api/v1/firmware/" + id + "/artifacts/a.bin", new Generated(13, 10), 10)
                .expectProblem(409, "ALREADY_EXISTS");
        assertThat(auditActions()).contains("firmware.artifact.upload");
    }

    @Test
    void rangeRequestsResumeADownload() throws Exception {
        String id = create("fw", "2").path("id").asString();
        int size = 1_000_000;
        String path = "/api/v1/firmware/" + id + "/artifacts/fw.bin";
        upload(tenant.admin(), path, new Generated(14, size), size).expect(201);
        String etag = "\"" + Generated.sha256(14, size) + "\"";

        HttpResponse<byte[]> part = bytes(get(tenant.admin(), path).header("Range", "bytes=1000-1999"));
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/" + size);
        assertThat(part.body()).isEqualTo(Generated.slice(14, 1000, 1000));
        // Resume from where an interrupted transfer stopped, guarded by If-Range.
        HttpResponse<byte[]> rest = bytes(get(tenant.admin(), path).header("Range", "bytes=999990-")
                .header("If-Range", etag));
        assertThat(rest.statusCode()).isEqualTo(206);
        assertThat(rest.body()).isEqualTo(Generated.slice(14, 999_990, 10));
        HttpResponse<byte[]> suffix = bytes(get(tenant.admin(), path).header("Range", "bytes=-5"));
        assertThat(suffix.body()).isEqualTo(Generated.slice(14, size - 5, 5));
        // A changed artifact (another ETag) or several ranges: the whole artifact.
        HttpResponse<byte[]> changed = bytes(get(tenant.admin(), path).header("Range", "bytes=0-9")
                .header("If-Range", "\"other\""));
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(changed.body()).hasSize(size);
        assertThat(bytes(get(tenant.admin(), path).header("Range", "bytes=0-1,5-6")).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> past = bytes(get(tenant.admin(), path).header("Range", "bytes=" + size + "-"));
        assertThat(past.statusCode()).isEqualTo(416);
        assertThat(past.headers().firstValue("Content-Range")).hasValue("bytes */" + size);
        assertThat(new String(past.body())).contains("RANGE_NOT_SATISFIABLE");
        HttpResponse<byte[]> unchanged = bytes(get(tenant.admin(), path).header("If-None-Match", etag));
        assertThat(unchanged.statusCode()).isEqualTo(304);
        HttpResponse<byte[]> head = bytes(get(tenant.admin(), path).method("HEAD",
                HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(size);
        assertThat(head.body()).isEmpty();

        // The same bytes under a second name (of another firmware) are one blob, kept until both names go.
        String other = create("fw", "2.1").path("id").asString();
        upload(tenant.admin(), "/api/v1/firmware/" + other + "/artifacts/copy.bin", new Generated(14, size), size)
                .expect(201);
        UUID t = UUID.fromString(tenant.id());
        assertThat(blobs.usage(t).bytes()).isEqualTo(size);
        assertThat(blobs.usage(t).blobs()).isEqualTo(1);
        api.delete(tenant.admin(), "/api/v1/firmware/" + id).expect(204);
        assertThat(bytes(get(tenant.admin(), "/api/v1/firmware/" + other + "/artifacts/copy.bin")).body())
                .hasSize(size);
        api.delete(tenant.admin(), "/api/v1/firmware/" + other + "/artifacts/copy.bin").expect(204);
        assertThat(blobs.usage(t).bytes()).isZero();
        assertThat(storedFiles()).isEmpty();
    }

    @Test
    void quotaExceededIsRefusedAndNothingIsKept() {
        String id = create("fw", "3").path("id").asString();
        String base = "/api/v1/firmware/" + id + "/artifacts/";
        upload(tenant.admin(), base + "a.bin", new Generated(15, 40L << 20), 40L << 20).expect(201);
        // 24 MB are left. A declared length over that is refused before the body is read.
        String declared = headersOnly("PUT " + base + "b.bin HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + tenant.admin() + "\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + (30L << 20) + "\r\n\r\n");
        assertThat(declared).startsWith("HTTP/1.1 413 ").contains("\"code\":\"QUOTA_EXCEEDED\"");
        // A chunked body is cut as soon as it passes the quota.
        upload(tenant.admin(), base + "c.bin", new Generated(16, 25L << 20), -1).expectProblem(413,
                "QUOTA_EXCEEDED");
        JsonNode usage = api.get(tenant.admin(), "/api/v1/blobs/usage").expect(200);
        assertThat(usage.path("bytes").asLong()).isEqualTo(40L << 20);
        assertThat(usage.path("blobs").asLong()).isEqualTo(1);
        assertThat(usage.path("quota_bytes").asLong()).isEqualTo(64L << 20);
        assertThat(storedFiles()).hasSize(1);
        assertThat(api.get(tenant.admin(), "/api/v1/firmware/" + id).expect(200).path("artifacts")).hasSize(1);
        upload(tenant.admin(), base + "d.bin", new Generated(17, 20L << 20), 20L << 20).expect(201);
    }

    @Test
    void anotherTenantsFirmwareAndArtifactsAnswer404() {
        String id = create("fw", "4").path("id").asString();
        String path = "/api/v1/firmware/" + id + "/artifacts/x.bin";
        upload(tenant.admin(), path, new Generated(18, 100), 100).expect(201);
        TestTenant other = newTenant();
        api.get(other.admin(), "/api/v1/firmware/" + id).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), path).expectProblem(404, "NOT_FOUND");
        api.delete(other.admin(), path).expectProblem(404, "NOT_FOUND");
        api.delete(other.admin(), "/api/v1/firmware/" + id).expectProblem(404, "NOT_FOUND");
        api.patch(other.admin(), "/api/v1/firmware/" + id, Map.of("description", "x"), null)
                .expectProblem(404, "NOT_FOUND");
        upload(other.admin(), "/api/v1/firmware/" + id + "/artifacts/y.bin", new Generated(18, 100), 100)
                .expectProblem(404, "NOT_FOUND");
        assertThat(api.get(other.admin(), "/api/v1/firmware").expect(200).path("items")).isEmpty();
        assertThat(api.get(tenant.admin(), "/api/v1/firmware/" + id).expect(200).path("artifacts")).hasSize(1);
    }

    /**
     * Sends a request's head without its body and returns what the server answered (the server may keep the
     * connection open to swallow the body, so this reads until the problem document is complete).
     */
    private String headersOnly(String head) {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            StringBuilder answer = new StringBuilder();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            for (int n; !answer.toString().contains("}") && (n = in.read(buffer)) > 0; ) {
                answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            return answer.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<String> auditActions() {
        return api.get(tenant.admin(), "/api/v1/audit?limit=100").expect(200).path("items").valueStream()
                .map(e -> e.path("action").asString()).toList();
    }

    /** The tenant's files in the blob directory, temporary files of any tenant included. */
    private List<Path> storedFiles() {
        Path root = Path.of(store.dataDir(), "blobs");
        try (Stream<Path> mine = Files.exists(root.resolve(tenant.id())) ? Files.walk(root.resolve(tenant.id()))
                : Stream.empty(); Stream<Path> tmp = Files.list(root.resolve(".tmp"))) {
            return Stream.concat(mine.filter(Files::isRegularFile), tmp).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private HttpRequest.Builder get(String token, String path) {
        return HttpRequest.newBuilder(api.uri(path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60));
    }

    private static HttpResponse<byte[]> bytes(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), BodyHandlers.ofByteArray());
    }

    /** PUTs a streamed body; {@code length} -1 sends it chunked. */
    private Reply upload(String token, String path, InputStream body, long length) {
        HttpRequest.BodyPublisher publisher = length < 0 ? BodyPublishers.ofInputStream(() -> body)
                : BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> body), length);
        HttpRequest request = HttpRequest.newBuilder(api.uri(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream").timeout(Duration.ofSeconds(120))
                .PUT(publisher).build();
        try {
            HttpResponse<String> r = HTTP.send(request, BodyHandlers.ofString());
            return new Reply("PUT " + path, r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("PUT " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
