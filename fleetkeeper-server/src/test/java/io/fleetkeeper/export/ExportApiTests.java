package io.fleetkeeper.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.Await;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Exports over HTTP: devices as gzip CSV and NDJSON and the audit log, each downloaded through the redirect with a
 * plain HTTP client that has no token, decompressed and compared with the API's own listing; bad input, tenant
 * isolation, cancel and delete, and refused download links.
 */
class ExportApiTests extends ApiTest {

    private static final HttpClient PLAIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private DeviceListener listener;

    private TestTenant tenant;

    @BeforeEach
    void setUp() {
        tenant = newTenant();
    }

    private JsonNode export(Map<String, Object> body) {
        JsonNode queued = api.post(tenant.admin(), "/api/v1/exports", body).expect(202);
        assertThat(queued.path("status").asString()).isEqualTo("QUEUED");
        String id = queued.path("id").asString();
        return Await.until(Duration.ofSeconds(60), "export " + id + " to finish",
                () -> api.get(tenant.admin(), "/api/v1/exports/" + id).expect(200),
                e -> !e.path("status").asString().equals("QUEUED") && !e.path("status").asString().equals("RUNNING"));
    }

    /** Follows the download redirect without any credential and returns the artifact's bytes. */
    private byte[] download(String id) throws Exception {
        Reply redirect = api.get(tenant.admin(), "/api/v1/exports/" + id + "/download");
        assertThat(redirect.status()).isEqualTo(302);
        URI link = api.uri("/").resolve(redirect.header("Location"));
        HttpResponse<byte[]> r = PLAIN.send(HttpRequest.newBuilder(link).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private List<JsonNode> listAll(String path) {
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(tenant.admin(), path + (path.contains("?") ? "&" : "?") + "limit=100"
                    + (cursor == null ? "" : "&cursor=" + cursor)).expect(200);
            page.path("items").forEach(all::add);
            cursor = page.path("next_cursor").isNull() || page.path("next_cursor").isMissingNode() ? null
                    : page.path("next_cursor").asString();
        } while (cursor != null);
        return all;
    }

    @Test
    void devicesExportAsGzipCsvAndNdjsonMatchTheListing() throws Exception {
        for (int i = 0; i < 240; i++) {
            Map<String, Object> d = device(i == 0 ? "=cmd|' /C calc'!A0" : i == 1 ? "dev, \"quoted\"" : "dev-" + i);
            d.put("device_type", i % 2 == 0 ? "meter" : "sensor");
            d.put("tags", List.of("t1", "t2"));
            createDevice(tenant.admin(), d);
        }
        List<JsonNode> listed = listAll("/api/v1/devices");
        assertThat(listed).hasSize(240);

        JsonNode csv = export(Map.of("kind", "devices", "format", "csv", "compression", "gzip"));
        assertThat(csv.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(csv.path("row_count").asLong()).isEqualTo(240);
        byte[] gz = download(csv.path("id").asString());
        assertThat(gz.length).isEqualTo(csv.path("size").asLong());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gz)))
                .isEqualTo(csv.path("sha256").asString());
        List<CSVRecord> records;
        try (Reader r = new InputStreamReader(new ByteArrayInputStream(gunzip(gz)), StandardCharsets.UTF_8)) {
            records = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
        }
        assertThat(records).extracting(r -> r.get("id"))
                .containsExactlyElementsOf(listed.stream().map(n -> n.path("id").asString()).toList());
        assertThat(records).extracting(r -> r.get("name"))
                .containsExactlyElementsOf(listed.stream().map(n -> {
                    String name = n.path("name").asString();
                    return name.startsWith("=") ? "'" + name : name;
                }).toList());
        assertThat(records.get(1).get("tags")).isEqualTo("t1;t2");

        JsonNode nd = export(Map.of("kind", "devices", "format", "ndjson", "compression", "none",
                "query", "type = \"meter\""));
        assertThat(nd.path("row_count").asLong()).isEqualTo(120);
        String[] lines = new String(download(nd.path("id").asString()), StandardCharsets.UTF_8).split("\n");
        List<JsonNode> meters = listed.stream().filter(n -> n.path("device_type").asString().equals("meter"))
                .toList();
        assertThat(lines).hasSize(120);
        for (int i = 0; i < lines.length; i++) {
            assertThat(JSON.readTree(lines[i])).isEqualTo(meters.get(i));
        }
    }

    @Test
    void subResourceExportsHoldTheQueriedDevicesRowsAsTheApiListsThem() throws Exception {
        MqttDevices mqtt = new MqttDevices(api);
        mqtt.cas(tenant);
        MqttDevices.KeyDevice k = mqtt.keyDevice(tenant, "k1");
        MqttDevices.CertDevice c = mqtt.certDevice(tenant, "c1");
        Map<String, Object> meter = device("m1");
        meter.put("device_type", "meter");
        String excluded = createDevice(tenant.admin(), meter).path("id").asString();
        long t0 = System.currentTimeMillis() - 3_600_000L;
        DevicePort port = new DevicePort(api, listener.port());
        port.post("/device/v1/telemetry", Map.of("X-Device-Key", k.key()), "[{\"ts\":" + t0
                + ",\"msg_id\":\"a\",\"temp\":20.5,\"mode\":\"=eco\"},{\"ts\":" + (t0 + 1000)
                + ",\"msg_id\":\"b\",\"temp\":21}]").expect(202);
        List<JsonNode> points = Await.until(Duration.ofSeconds(30), "telemetry stored",
                () -> listAll("/api/v1/devices/" + k.id() + "/telemetry"), l -> l.size() == 3);
        List<String> sensors = java.util.stream.Stream.of(k.id(), c.id()).sorted().toList();
        String sensor = "type = \"sensor\"";

        JsonNode tel = export(Map.of("kind", "telemetry", "query", sensor, "format", "ndjson", "compression", "none"));
        assertThat(tel.path("status").asString()).isEqualTo("SUCCEEDED");
        String[] lines = new String(download(tel.path("id").asString()), StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(3);
        for (int i = 0; i < lines.length; i++) {
            var expected = ((tools.jackson.databind.node.ObjectNode) points.get(i)).deepCopy();
            JsonNode line = JSON.readTree(lines[i]);
            assertThat(line.path("device_id").asString()).isEqualTo(k.id());
            assertThat(((tools.jackson.databind.node.ObjectNode) line).without("device_id")).isEqualTo(expected);
        }

        JsonNode ev = export(Map.of("kind", "device_events", "query", sensor, "columns", List.of("device_id", "type",
                "id")));
        List<CSVRecord> events = csv(gunzip(download(ev.path("id").asString())));
        assertThat(events.get(0).getParser().getHeaderNames()).containsExactly("device_id", "type", "id");
        List<String> expectedEvents = new ArrayList<>();
        sensors.forEach(id -> listAll("/api/v1/devices/" + id + "/events").forEach(n -> expectedEvents.add(id + " "
                + n.path("type").asString() + " " + n.path("id").asLong())));
        assertThat(events).extracting(r -> r.get("device_id") + " " + r.get("type") + " " + r.get("id"))
                .containsExactlyElementsOf(expectedEvents);
        assertThat(events).extracting(r -> r.get("device_id")).doesNotContain(excluded);

        JsonNode certs = export(Map.of("kind", "certificates", "format", "csv"));
        List<CSVRecord> certRows = csv(gunzip(download(certs.path("id").asString())));
        JsonNode listedCert = listAll("/api/v1/devices/" + c.id() + "/certificates").get(0);
        assertThat(certRows).hasSize(1);
        assertThat(certRows.get(0).get("device_id")).isEqualTo(c.id());
        assertThat(certRows.get(0).get("fingerprint")).isEqualTo(listedCert.path("fingerprint").asString());
        // a cell starting with '-' is neutralized against spreadsheet formulas, PEM included
        assertThat(certRows.get(0).get("pem")).isEqualTo("'" + listedCert.path("pem").asString());

    }

    private static List<CSVRecord> csv(byte[] bytes) throws IOException {
        try (Reader r = new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
        }
    }

    @Test
    void auditExportHoldsTheTenantsEntries() throws Exception {
        createDevice(tenant.admin(), device("audited"));
        List<JsonNode> audit = listAll("/api/v1/audit");
        JsonNode e = export(Map.of("kind", "audit", "format", "ndjson"));
        assertThat(e.path("status").asString()).isEqualTo("SUCCEEDED");
        String[] lines = new String(gunzip(download(e.path("id").asString())), StandardCharsets.UTF_8).split("\n");
        List<Long> ids = new ArrayList<>();
        for (String line : lines) {
            ids.add(JSON.readTree(line).path("id").asLong());
        }
        // the export's own creation is audited before it runs, so it is in the export and not in the earlier listing
        assertThat(ids).containsAll(audit.stream().map(n -> n.path("id").asLong()).toList());
        assertThat(lines.length).isEqualTo(audit.size() + 1);
    }

    @Test
    void badInputIsRefusedNamingTheFieldAndNothingIsCreated() {
        api.post(tenant.admin(), "/api/v1/exports", Map.of("kind", "metrics")).expectProblem(400,
                "VALIDATION_FAILED");
        assertThat(api.post(tenant.admin(), "/api/v1/exports", Map.of("kind", "telemetry", "columns",
                List.of("ts", "password"))).expectProblem(400, "VALIDATION_FAILED").toString()).contains("password");
        assertThat(api.post(tenant.admin(), "/api/v1/exports", Map.of("kind", "telemetry", "from",
                "2001-01-01T00:00:00Z")).expectProblem(400, "VALIDATION_FAILED").toString()).contains("retention");
        api.post(tenant.admin(), "/api/v1/exports", Map.of("kind", "certificates", "from", "2026-01-01T00:00:00Z"))
                .expectProblem(400, "VALIDATION_FAILED");
        Reply r = api.post(tenant.admin(), "/api/v1/exports", Map.of("kind", "devices", "format", "xlsx",
                "compression", "zip", "query", "name = "));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("format").contains("compression").contains("query");
        api.post(tenant.admin(), "/api/v1/exports", Map.of("kind", "audit", "from", "2026-02-01T00:00:00Z",
                "to", "2026-01-01T00:00:00Z")).expectProblem(400, "VALIDATION_FAILED");
        assertThat(api.get(tenant.admin(), "/api/v1/exports").expect(200).path("items")).isEmpty();
    }

    @Test
    void anotherTenantsExportAnswers404() throws Exception {
        JsonNode e = export(Map.of("kind", "audit"));
        TestTenant other = newTenant();
        String id = e.path("id").asString();
        api.get(other.admin(), "/api/v1/exports/" + id).expectProblem(404, "NOT_FOUND");
        api.get(other.admin(), "/api/v1/exports/" + id + "/download").expectProblem(404, "NOT_FOUND");
        api.post(other.admin(), "/api/v1/exports/" + id + "/cancel", Map.of()).expectProblem(404, "NOT_FOUND");
        assertThat(api.delete(other.admin(), "/api/v1/exports/" + id).status()).isEqualTo(404);
        assertThat(api.get(other.admin(), "/api/v1/exports").expect(200).path("items")).isEmpty();
        assertThat(download(id)).isNotEmpty();
    }

    @Test
    void finishedExportCannotBeCanceledAndDeletingRemovesIt() {
        JsonNode e = export(Map.of("kind", "audit"));
        String id = e.path("id").asString();
        api.post(tenant.admin(), "/api/v1/exports/" + id + "/cancel", Map.of()).expectProblem(409,
                "INVALID_TRANSITION");
        assertThat(api.delete(tenant.admin(), "/api/v1/exports/" + id).status()).isEqualTo(204);
        api.get(tenant.admin(), "/api/v1/exports/" + id).expectProblem(404, "NOT_FOUND");
        List<String> actions = listAll("/api/v1/audit").stream().map(n -> n.path("action").asString()).toList();
        assertThat(actions).contains("export.create", "export.succeed", "export.delete");
    }

    @Test
    void tamperedOrExpiredLinksAreRefused() throws Exception {
        JsonNode e = export(Map.of("kind", "audit"));
        String id = e.path("id").asString();
        String location = api.get(tenant.admin(), "/api/v1/exports/" + id + "/download").header("Location");
        String base = "/downloads/exports/" + tenant.id() + "/" + id;
        assertThat(location).startsWith(base + "?expires=");
        URI tampered = api.uri(location.replaceAll("expires=\\d+", "expires=" + (Instant.now().getEpochSecond()
                + 86_400)));
        assertThat(PLAIN.send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(403);
        long past = Instant.now().getEpochSecond() - 60;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(EXPORT_LINK_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String sig = HexFormat.of().formatHex(mac.doFinal((tenant.id() + "/" + id + "/" + past)
                .getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> expired = PLAIN.send(HttpRequest.newBuilder(api.uri(base + "?expires=" + past
                + "&signature=" + sig)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(expired.statusCode()).isEqualTo(403);
        assertThat(expired.body()).contains("expired");
        long future = Instant.now().getEpochSecond() + 60;
        String good = HexFormat.of().formatHex(mac.doFinal((tenant.id() + "/" + id + "/" + future)
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(PLAIN.send(HttpRequest.newBuilder(api.uri(base + "?expires=" + future + "&signature=" + good))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
}
