package io.fleetkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.testing.TlsClient.Credential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The device listener seen by clients that share no code with the server: {@code curl} and {@code openssl s_client}
 * (both on the system's OpenSSL), with the platform CA as their only trust anchor and, for curl, a device's client
 * certificate from PEM files.
 */
public final class CommandLineTls {

    /** An HTTP status and body as curl received them. */
    public record Curl(int status, String body) {
    }

    private final Path dir;
    private final Path platformCa;
    private final int port;

    public CommandLineTls(Api management, int devicePort) {
        for (String tool : List.of("/usr/bin/curl", "/usr/bin/openssl")) {
            if (!Files.isExecutable(Path.of(tool))) {
                System.out.println("SKIPPED: device listener TLS through " + tool + ": not installed");
            }
            assumeThat(Path.of(tool)).as("%s is installed", tool).isExecutable();
        }
        try {
            this.dir = Files.createTempDirectory("fk-cli-tls");
            this.platformCa = Files.writeString(dir.resolve("platform-ca.pem"),
                    management.call("GET", "/pki/v1/platform/ca.pem").send().body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = devicePort;
    }

    /**
     * Whether the system's {@code libssl.so} loads, as Tomcat's OpenSSL binding loads it; prints why a test that needs
     * it is skipped when not.
     */
    public static boolean libsslLoads() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(System.mapLibraryName("ssl"), arena);
            return true;
        } catch (IllegalArgumentException e) {
            System.out.println("SKIPPED: the device listener on OpenSSL: " + System.mapLibraryName("ssl")
                    + " cannot be loaded (Debian: libssl-dev)");
            return false;
        }
    }

    /**
     * A new tenant's device holding a certificate from the tenant's own issuing CA (through the management API), as
     * a key and a chain, leaf first.
     */
    public static Credential enrolledDevice(Api api, String platformToken, String tenantName) {
        TestTenant t = TestTenant.create(api, platformToken, tenantName);
        String root = api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "root")).expect(201).path("id")
                .asString();
        api.post(t.admin(), "/api/v1/pki/cas", Map.of("name", "issuing", "parent_id", root)).expect(201);
        String deviceId = api.post(t.admin(), "/api/v1/devices", Map.of("name", "cli-device",
                "device_type", "meter")).expect(201).path("id").asString();
        KeyPair key = Csrs.p256();
        JsonNode issued = api.post(t.admin(), "/api/v1/devices/" + deviceId + "/certificates",
                Map.of("csr", Csrs.csrPem(key))).expect(201);
        return new Credential(key, TlsClient.parse(issued.path("chain_pem").asString())
                .toArray(X509Certificate[]::new));
    }

    /**
     * {@code curl} GETs {@code path} from the device listener at {@code localhost} over {@code tlsVersion} (1.2 or
     * 1.3), presenting {@code client} (null: no certificate).
     */
    public Curl get(String path, String tlsVersion, Credential client) {
        List<String> cmd = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "20",
                "--cacert", platformCa.toString(), "--tlsv" + tlsVersion, "--tls-max", tlsVersion,
                "--write-out", "\n%{http_code}"));
        if (client != null) {
            cmd.addAll(List.of("--cert", pemFile("cert", client.chain()).toString(),
                    "--key", pemFile("key", client.key().getPrivate()).toString()));
        }
        cmd.add("https://localhost:" + port + path);
        String out = run(cmd);
        int cut = out.lastIndexOf('\n');
        assertThat(cut).as("curl printed no status: %s", out).isGreaterThanOrEqualTo(0);
        return new Curl(Integer.parseInt(out.substring(cut + 1).strip()), out.substring(0, cut));
    }

    /**
     * {@code openssl s_client}'s report of a handshake with the listener over {@code tlsVersion}, without a client
     * certificate: the server certificate's verification and the client CA names the server asked for.
     */
    public String handshake(String tlsVersion) {
        return run(List.of("openssl", "s_client", "-connect", "localhost:" + port, "-servername", "localhost",
                "-CAfile", platformCa.toString(), "-verify_return_error", "-tls" + tlsVersion.replace('.', '_')));
    }

    private Path pemFile(String prefix, Object... objects) {
        StringBuilder pem = new StringBuilder();
        for (Object o : objects) {
            pem.append(Csrs.pem(o));
        }
        try {
            return Files.writeString(Files.createTempFile(dir, prefix, ".pem"), pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close(); // s_client ends its session at the end of its input
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", cmd.get(0)).isTrue();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
