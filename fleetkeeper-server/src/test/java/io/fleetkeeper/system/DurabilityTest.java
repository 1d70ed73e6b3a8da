package io.fleetkeeper.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The embedded default keeps what it acknowledged: across restarts, and across a SIGKILL mid-import. */
class DurabilityTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dataDir;

    @Test
    void dataAndTheBootstrapTokenSurviveARestart() throws Exception {
        String tenantToken;
        String deviceId;
        try (ServerProcess server = new ServerProcess(dataDir).start()) {
            tenantToken = createTenant(server, "durable");
            deviceId = call(server, "POST", "/api/v1/devices", tenantToken,
                    "{\"name\":\"d1\",\"device_type\":\"meter\",\"serial\":\"S-1\"}").path("id").asString();
            server.stop();
        }
        assertThat(dataDir.resolve("fleetkeeper.db")).exists();
        try (ServerProcess again = new ServerProcess(dataDir).start()) {
            JsonNode d = call(again, "GET", "/api/v1/devices/" + deviceId, tenantToken, null);
            assertThat(d.path("serial").asString()).isEqualTo("S-1");
            assertThat(call(again, "GET", "/api/v1/stats/devices", tenantToken, null).path("total").asLong())
                    .isEqualTo(1);
        }
    }

    @Test
    void sigkillDuringBulkImportLosesNoAcknowledgedRow() throws Exception {
        int rows = 40_000;
        int killAfter = 5_000;
        String token;
        Set<String> acknowledged = new HashSet<>();
        try (ServerProcess server = new ServerProcess(dataDir).start()) {
            token = createTenant(server, "crash");
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < rows; i++) {
                body.append("{\"name\":\"d").append(i).append("\",\"device_type\":\"meter\",\"serial\":\"K-")
                        .append(i).append("\",\"metadata\":{\"region\":\"eu\"}}\n");
            }
            HttpResponse<InputStream> resp = http.send(HttpRequest.newBuilder(URI.create(server.base()
                    + "/api/v1/devices/import")).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(resp.statusCode()).isEqualTo(200);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode r = json.readTree(line);
                    if ("created".equals(r.path("result").asString())) {
                        acknowledged.add(r.path("id").asString());
                    }
                    if (acknowledged.size() >= killAfter) {
                        server.kill();
                        break;
                    }
                }
            } catch (java.io.IOException cutOff) {
                // the connection dies with the server
            }
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(killAfter);
        try (ServerProcess again = new ServerProcess(dataDir).start()) {
            Set<String> stored = new HashSet<>();
            String cursor = null;
            do {
                JsonNode page = call(again, "GET", "/api/v1/devices?limit=1000"
                        + (cursor == null ? "" : "&cursor=" + cursor), token, null);
                page.path("items").forEach(d -> stored.add(d.path("id").asString()));
                cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asString();
            } while (cursor != null);
            assertThat(stored).containsAll(acknowledged);
            assertThat(stored.size()).isLessThan(rows);
            long total = call(again, "GET", "/api/v1/stats/devices", token, null).path("total").asLong();
            assertThat(total).as("maintained count equals stored devices").isEqualTo(stored.size());
        }
    }

    private String createTenant(ServerProcess server, String name) throws Exception {
        return call(server, "POST", "/api/v1/operator/tenants", ServerProcess.PLATFORM_TOKEN,
                "{\"name\":\"" + name + "\"}").path("admin_token").path("token").asString();
    }

    private JsonNode call(ServerProcess server, String method, String path, String token, String body)
            throws Exception {
        return server.call(method, path, token, body);
    }
}
