package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.S3Server;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Firmware downloads redirected to the object store: a server process on a real S3-compatible server (S3Proxy)
 * with {@code fleetkeeper.ota.download-redirect-ttl} set answers a device's artifact download with {@code 302} to
 * a pre-signed URL; Java's HTTP client and {@code curl} follow it and get the exact bytes (whole and by
 * {@code Range}) with the SHA-256 the firmware lists. A tampered signature is refused by the store, and so is the
 * URL once its time is up.
 */
class OtaS3RedirectSystemTest {

    private static final Duration TTL = Duration.ofSeconds(8);

    @TempDir
    Path dataDir;

    @Test
    void deviceDownloadFollowsThePresignedRedirectAndATamperedOrExpiredOneFails() throws Exception {
        S3Server s3 = S3Server.start();
        try {
            s3.createBucket("firmware");
            int devicePort;
            try (ServerSocket s = new ServerSocket(0)) {
                devicePort = s.getLocalPort();
            }
            String publicEndpoint = "http://localhost:" + s3.endpoint().getPort();
            try (ServerProcess server = new ServerProcess(dataDir).readyWithin(Duration.ofMinutes(8)).start(
                    "--fleetkeeper.blobs.store=s3", "--fleetkeeper.blobs.s3.endpoint=" + s3.endpoint(),
                    "--fleetkeeper.blobs.s3.bucket=firmware",
                    "--fleetkeeper.blobs.s3.access-key=" + S3Server.ACCESS_KEY,
                    "--fleetkeeper.blobs.s3.secret-key=" + S3Server.SECRET_KEY,
                    "--fleetkeeper.blobs.s3.public-endpoint=" + publicEndpoint,
                    "--fleetkeeper.ota.download-redirect-ttl=" + TTL.toSeconds() + "s",
                    "--fleetkeeper.device-api.port=" + devicePort)) {
                String admin = server.call("POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                        "{\"name\":\"s3-ota\"}").path("admin_token").path("token").asString();
                String device = server.call("POST", "/api/v1/devices", admin,
                        "{\"name\":\"gw-1\",\"device_type\":\"gateway\"}").path("id").asString();
                String key = server.call("POST", "/api/v1/devices/" + device + "/device-key/rotate", admin, "{}")
                        .path("device_key").asString();
                String fw = server.call("POST", "/api/v1/firmware", admin,
                        "{\"name\":\"os\",\"version\":\"1.0\"}").path("id").asString();
                byte[] image = new byte[1_500_000];
                new Random(42).nextBytes(image);
                HttpResponse<String> uploaded = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.base() + "/api/v1/firmware/" + fw + "/artifacts/os.swu"))
                        .header("Authorization", "Bearer " + admin)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(image)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
                String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
                assertThat(uploaded.body()).contains(sha256);

                String caPem = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.base() + "/pki/v1/platform/ca.pem")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                URI artifact = URI.create("https://127.0.0.1:" + devicePort + "/device/v1/firmware/" + fw
                        + "/artifacts/os.swu");
                HttpClient noFollow = client(caPem, HttpClient.Redirect.NEVER);
                HttpResponse<byte[]> redirect = noFollow.send(HttpRequest.newBuilder(artifact)
                        .header("X-Device-Key", key).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(redirect.statusCode()).isEqualTo(302);
                String location = redirect.headers().firstValue("Location").orElseThrow();
                assertThat(location).startsWith(publicEndpoint + "/firmware/").contains("X-Amz-Signature=")
                        .contains("X-Amz-Expires=" + TTL.toSeconds());
                assertThat(noFollow.send(HttpRequest.newBuilder(artifact).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).as("no key, no redirect").isEqualTo(401);

                // A real client follows the redirect (HTTPS device listener → the store) and gets the exact bytes.
                HttpClient follow = client(caPem, HttpClient.Redirect.ALWAYS);
                HttpResponse<byte[]> whole = follow.send(HttpRequest.newBuilder(artifact)
                        .header("X-Device-Key", key).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(whole.statusCode()).isEqualTo(200);
                assertThat(whole.uri().toString()).startsWith(publicEndpoint);
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(whole.body())))
                        .isEqualTo(sha256);
                HttpResponse<byte[]> rest = follow.send(HttpRequest.newBuilder(artifact).header("X-Device-Key", key)
                        .header("Range", "bytes=1000000-").build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(rest.statusCode()).isEqualTo(206);
                assertThat(rest.body()).isEqualTo(Arrays.copyOfRange(image, 1_000_000, image.length));

                // curl, an independent client, does the same.
                Path ca = dataDir.resolve("platform-ca.pem");
                Files.writeString(ca, caPem);
                Path file = dataDir.resolve("os.swu");
                Process curl = new ProcessBuilder("curl", "-sSfL", "--cacert", ca.toString(), "-H",
                        "X-Device-Key: " + key, "-o", file.toString(), artifact.toString())
                        .redirectErrorStream(true).start();
                String curlOut = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(curl.waitFor()).as("curl: " + curlOut).isZero();
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(file)))).isEqualTo(sha256);

                // A tampered signature is refused by the store; so is the URL once its time is up.
                HttpClient plain = HttpClient.newHttpClient();
                String signature = location.replaceAll(".*X-Amz-Signature=([0-9a-f]+).*", "$1");
                String tampered = location.replace("X-Amz-Signature=" + signature, "X-Amz-Signature="
                        + (signature.charAt(0) == '0' ? '1' : '0') + signature.substring(1));
                assertThat(plain.send(HttpRequest.newBuilder(URI.create(tampered)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
                Await.until(TTL.multipliedBy(6), "the pre-signed URL to expire", () -> plain.send(
                        HttpRequest.newBuilder(URI.create(location)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 403);
            }
        } finally {
            s3.stop();
        }
    }

    private static HttpClient client(String caPem, HttpClient.Redirect redirect) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("platform", CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx).followRedirects(redirect)
                .build();
    }
}
