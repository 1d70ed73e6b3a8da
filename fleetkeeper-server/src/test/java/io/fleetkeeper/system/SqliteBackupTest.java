package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fleetkeeper.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The backup procedure of docs/operations.md for the embedded SQLite database, as written there: SQLite's online
 * backup ({@code sqlite3 fleetkeeper.db ".backup '…'"}) of a running server while an operator creates devices,
 * restored by putting the file and the master key in an empty data directory and starting. Everything
 * acknowledged before the backup began is in the restored server, and the restored server works: it starts (which
 * signs the device listener's certificate with the platform CA's key, sealed by the master key) and takes writes. Skipped, with a message, without the {@code sqlite3} program.
 */
class SqliteBackupTest {

    private static final Path SQLITE3 = Path.of("/usr/bin/sqlite3");

    @TempDir
    Path dataDir;
    @TempDir
    Path backupDir;
    @TempDir
    Path restoreDir;

    @Test
    void anOnlineBackupTakenUnderLoadRestoresEverythingAcknowledgedBeforeIt() throws Exception {
        if (!Files.isExecutable(SQLITE3)) {
            System.out.println("SKIPPED: SQLite backup test: no " + SQLITE3 + " (Debian package sqlite3)");
        }
        assumeThat(Files.isExecutable(SQLITE3)).as("the sqlite3 program (Debian package sqlite3)").isTrue();
        Path backup = backupDir.resolve("fleetkeeper-backup.db");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Set<String> beforeBackup;
        String admin;
        try (ServerProcess server = new ServerProcess(dataDir).start();
                ExecutorService writer = Executors.newSingleThreadExecutor()) {
            admin = server.call("POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                    "{\"name\":\"backed-up\"}").path("admin_token").path("token").asString();
            AtomicBoolean running = new AtomicBoolean(true);
            Future<?> load = writer.submit(() -> {
                for (int i = 0; running.get(); i++) {
                    acknowledged.add(server.call("POST", "/api/v1/devices", admin, "{\"name\":\"d" + i
                            + "\",\"device_type\":\"meter\",\"serial\":\"B-" + i + "\"}").path("id").asString());
                }
                return null;
            });
            Await.until(Duration.ofSeconds(60), "devices written", acknowledged::size, n -> n >= 50);

            beforeBackup = new HashSet<>(acknowledged);
            Process p = new ProcessBuilder(SQLITE3.toString(), dataDir.resolve("fleetkeeper.db").toString(),
                    ".backup '" + backup + "'").redirectErrorStream(true).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("sqlite3 .backup finished").isTrue();
            assertThat(p.exitValue()).as("sqlite3 .backup: " + new String(p.getInputStream().readAllBytes()))
                    .isZero();
            int atBackupEnd = acknowledged.size();

            Await.until(Duration.ofSeconds(60), "devices written after the backup", acknowledged::size,
                    n -> n >= atBackupEnd + 10);
            running.set(false);
            load.get(60, TimeUnit.SECONDS);
            System.out.printf("backup: %d devices acknowledged before the backup began, %d by its end, %d in all%n",
                    beforeBackup.size(), atBackupEnd, acknowledged.size());
        }

        // Restore: the backup as fleetkeeper.db and the master key, in an empty data directory.
        Files.copy(backup, restoreDir.resolve("fleetkeeper.db"));
        Files.copy(dataDir.resolve("master.key"), restoreDir.resolve("master.key"));
        try (ServerProcess restored = new ServerProcess(restoreDir).start()) {
            Set<String> present = new HashSet<>();
            String cursor = null;
            do {
                JsonNode page = restored.call("GET", "/api/v1/devices?limit=500"
                        + (cursor == null ? "" : "&cursor=" + cursor), admin, null);
                page.path("items").forEach(d -> present.add(d.path("id").asString()));
                cursor = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
            } while (cursor != null);
            assertThat(present).as("devices in the restored server").containsAll(beforeBackup);
            assertThat(acknowledged).as("the restored server holds only devices that were acknowledged")
                    .containsAll(present);

            String device = beforeBackup.iterator().next();
            JsonNode key = restored.call("POST", "/api/v1/devices/" + device + "/device-key/rotate", admin, "{}");
            assertThat(key.path("device_key").asString()).startsWith("dvc_");
            assertThat(restored.call("GET", "/api/v1/stats/devices", admin, null).path("total").asLong())
                    .isEqualTo(present.size());
        }
        List<String> check = List.of(SQLITE3.toString(), backup.toString(), "PRAGMA integrity_check;");
        Process integrity = new ProcessBuilder(check).redirectErrorStream(true).start();
        assertThat(new String(integrity.getInputStream().readAllBytes()).strip()).isEqualTo("ok");
    }
}
