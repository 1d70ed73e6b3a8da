package io.fleetkeeper.secrets;

import static io.fleetkeeper.secrets.DeviceSecretApiTests.generated;
import static io.fleetkeeper.secrets.DeviceSecretApiTests.secrets;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.TestTenant;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SSH_KEY slots checked with OpenSSH's own {@code ssh-keygen}: a supplied public key keeps the fingerprint
 * ssh-keygen prints, and a generated private key is one ssh-keygen reads. Skipped, with a message, without it.
 */
class SshKeySecretTests extends ApiTest {

    @Test
    void aSuppliedPublicKeyIsStoredWithTheFingerprintOpenSshPrints() throws Exception {
        for (String type : List.of("ed25519", "ecdsa", "rsa")) {
            Path dir = Files.createTempDirectory("fk-ssh");
            Path key = dir.resolve("id");
            List<String> args = new ArrayList<>(List.of("-q", "-t", type, "-N", "", "-C", "gateway@site", "-f",
                    key.toString()));
            if (type.equals("ecdsa")) {
                args.addAll(List.of("-b", "256"));
            }
            sshKeygen(args.toArray(String[]::new));
            String publicKey = Files.readString(Path.of(key + ".pub")).strip();
            String printed = sshKeygen("-l", "-E", "sha256", "-f", key + ".pub").split(" ")[1];

            TestTenant t = newTenant();
            String id = createDevice(t.admin(), device("gw")).path("id").asString();
            JsonNode created = api.post(t.admin(), secrets(id), Map.of("slot", "admin", "type", "SSH_KEY",
                    "value", publicKey)).expect(201);
            assertThat(created.path("value").isNull()).as("a public key is not a secret to show").isTrue();
            JsonNode slot = api.get(t.admin(), secrets(id) + "/admin").expect(200);
            assertThat(slot.path("fingerprint").asString()).as(type).isEqualTo(printed);
            assertThat(slot.path("public_key").asString()).isEqualTo(publicKey);
        }
    }

    @Test
    void aKeyWhoseTypeNameLiesIsRefused() throws Exception {
        Path dir = Files.createTempDirectory("fk-ssh");
        Path key = dir.resolve("id");
        sshKeygen("-q", "-t", "ed25519", "-N", "", "-f", key.toString());
        String[] parts = Files.readString(Path.of(key + ".pub")).strip().split(" ");
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("gw")).path("id").asString();
        api.post(t.admin(), secrets(id), Map.of("slot", "admin", "type", "SSH_KEY",
                "value", "ssh-rsa " + parts[1])).expectProblem(400, "VALIDATION_FAILED");
    }

    @Test
    void aGeneratedKeyIsAnEd25519PrivateKeyOpenSshReadsAndOnlyItsPublicHalfIsKept() throws Exception {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device("gw")).path("id").asString();
        JsonNode created = api.post(t.admin(), secrets(id), generated("admin", "SSH_KEY")).expect(201);
        String privateKey = created.path("value").asString();
        assertThat(privateKey).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        Path file = Files.createTempDirectory("fk-ssh").resolve("id");
        Files.writeString(file, privateKey);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        String derived = sshKeygen("-y", "-f", file.toString()).strip();
        JsonNode slot = api.get(t.admin(), secrets(id) + "/admin").expect(200);
        assertThat(derived).startsWith("ssh-ed25519 ");
        assertThat(slot.path("public_key").asString()).isEqualTo(derived);
        assertThat(slot.path("fingerprint").asString())
                .isEqualTo(sshKeygen("-l", "-E", "sha256", "-f", file.toString()).split(" ")[1]);
        assertThat(slot.toString()).doesNotContain("PRIVATE");
    }

    private static String sshKeygen(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ssh-keygen"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            System.out.println("SKIPPED: SSH key tests: ssh-keygen is not installed (" + e.getMessage() + ")");
            Assumptions.abort("ssh-keygen is not installed");
            throw e;
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("ssh-keygen %s: %s", command, out).isZero();
        return out;
    }
}
