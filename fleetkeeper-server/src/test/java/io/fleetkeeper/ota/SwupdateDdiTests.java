package io.fleetkeeper.ota;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.KeyDevice;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * An unmodified SWUpdate (Debian's package, its suricatta hawkBit client) as the device: it polls the DDI API,
 * downloads a {@code .swu} built here (a CMS-signed {@code sw-description} and one file for the {@code rawfile}
 * handler, which writes it into a temporary folder), installs it and reports the outcome. Skipped, with a
 * message, where {@code swupdate} or {@code openssl} is not installed.
 */
class SwupdateDdiTests extends ApiTest {

    private static final String SWUPDATE = "/usr/bin/swupdate";
    private static final String OPENSSL = "/usr/bin/openssl";

    @Autowired
    private DeviceListener listener;

    private TestTenant tenant;
    private MqttDevices devices;
    private Path dir;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        boolean present = new File(SWUPDATE).canExecute() && new File(OPENSSL).canExecute();
        if (!present) {
            System.err.println("SKIPPED SwupdateDdiTests: " + SWUPDATE + " or " + OPENSSL
                    + " is not installed (Debian packages swupdate, openssl; .ci/run installs them)");
        }
        Assumptions.assumeTrue(present, "swupdate or openssl is not installed");
        tenant = newTenant();
        devices = new MqttDevices(api);
        dir = Files.createTempDirectory("fk-swupdate");
        run(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "signer.key", "-out", "signer.pem",
                "-subj", "/CN=fleetkeeper-test-signer", "-days", "2", "-addext", "keyUsage=digitalSignature",
                "-addext", "extendedKeyUsage=emailProtection");
    }

    @AfterEach
    void tearDown() {
        started.forEach(Process::destroyForcibly);
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + Files.readString(dir.resolve("openssl.log")))
                .isZero();
    }

    /** A signed .swu whose one file, {@code payload}, the rawfile handler writes to {@code target}. */
    private byte[] swu(String version, byte[] payload, String declaredSha256, Path target) throws Exception {
        String description = """
                software =
                {
                    version = "%s";
                    description = "Fleetkeeper SWUpdate test";
                    hardware-compatibility: [ "1.0" ];
                    files: (
                        {
                            filename = "payload.txt";
                            path = "%s";
                            sha256 = "%s";
                        }
                    );
                }
                """.formatted(version, target, declaredSha256);
        Files.writeString(dir.resolve("sw-description"), description);
        run(OPENSSL, "cms", "-sign", "-in", "sw-description", "-out", "sw-description.sig", "-signer", "signer.pem",
                "-inkey", "signer.key", "-outform", "DER", "-nosmimecap", "-binary");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("sw-description", description.getBytes(StandardCharsets.UTF_8));
        files.put("sw-description.sig", Files.readAllBytes(dir.resolve("sw-description.sig")));
        files.put("payload.txt", payload);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(out, CpioConstants.FORMAT_NEW)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, f.getKey(), f.getValue().length);
                e.setMode(CpioConstants.C_ISREG | 0644);
                cpio.putArchiveEntry(e);
                cpio.write(f.getValue());
                cpio.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    private String firmware(String version, byte[] image) {
        String id = api.post(tenant.admin(), "/api/v1/firmware", Map.of("name", "rootfs", "version", version))
                .expect(201).path("id").asString();
        api.call("PUT", "/api/v1/firmware/" + id + "/artifacts/update.swu").token(tenant.admin())
                .body("application/octet-stream", BodyPublishers.ofByteArray(image)).send().expect(201);
        return id;
    }

    /** Starts SWUpdate's suricatta against the device listener; its output goes to {@code log}. */
    private Process suricatta(KeyDevice d, Path log, String... extra) throws IOException {
        String args = "-t " + tenant.id() + " -u https://127.0.0.1:" + listener.port() + " -i " + d.id() + " -k "
                + d.key() + " -x -p 1 -r 2 -w 1" + (extra.length == 0 ? "" : " " + String.join(" ", extra));
        Process p = new ProcessBuilder(SWUPDATE, "-v", "-k", dir.resolve("signer.pem").toString(), "-m", "-M",
                "-H", "board:1.0", "-u", args).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        return p;
    }

    private String action(String campaignId) {
        return api.get(tenant.admin(), "/api/v1/campaigns/" + campaignId + "/devices").expect(200).path("items")
                .get(0).path("status").asString();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void swupdateInstallsTheCampaignsImageAndReportsSuccess() throws Exception {
        KeyDevice d = devices.keyDevice(tenant, "swu-1");
        byte[] payload = "installed by swupdate\n".getBytes(StandardCharsets.UTF_8);
        Path target = dir.resolve("installed.txt");
        String fw = firmware("2.0", swu("2.0", payload, sha256(payload), target));
        JsonNode c = api.post(tenant.admin(), "/api/v1/campaigns", Map.of("firmware_id", fw, "target",
                Map.of("device_ids", List.of(d.id())))).expect(201);
        String id = c.path("id").asString();
        Path log = dir.resolve("swupdate.log");
        Process first = suricatta(d, log);
        // SWUpdate downloads, verifies and installs, then waits for the reboot that activates the update: only
        // the next start, told the outcome (-c 2: success, as a device's boot check would), closes the action.
        Await.until(Duration.ofSeconds(90), "SWUpdate to install the image", () -> Files.exists(target)
                && Files.readString(log).contains("Update successful"));
        assertThat(Files.readAllBytes(target)).isEqualTo(payload);
        assertThat(action(id)).isIn("DOWNLOADING", "DOWNLOADED", "INSTALLING");
        first.destroy();
        first.waitFor();
        Path afterReboot = dir.resolve("swupdate-confirm.log");
        suricatta(d, afterReboot, "-c", "2");
        String status = Await.until(Duration.ofSeconds(60), "SWUpdate to confirm the update",
                () -> action(id), s -> s.equals("SUCCEEDED") || s.equals("FAILED"));
        assertThat(status).as(Files.readString(afterReboot)).isEqualTo("SUCCEEDED");
        assertThat(api.get(tenant.admin(), "/api/v1/devices/" + d.id()).expect(200).path("firmware_version")
                .asString()).isEqualTo("2.0");
    }
}
