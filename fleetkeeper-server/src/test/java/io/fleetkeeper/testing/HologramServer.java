package io.fleetkeeper.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local HTTP server that speaks the part of Hologram's REST API (version 1) Fleetkeeper uses, as Hologram
 * documents it: the API key as the {@code apikey} query parameter, JSON bodies, {@code {"success": true, "data":
 * …}} answers and {@code {"success": false, "error": …}} refusals, paged usage. It keeps an inventory of SIMs that
 * can be claimed, records every request, and fails on demand the way a carrier does (401, 429 with
 * {@code Retry-After}, 5xx, a slow answer, a malformed answer).
 */
public final class HologramServer implements AutoCloseable {

    /** One request as the server received it. */
    public record Request(String method, String path, Map<String, String> query, JsonNode body) {
    }

    /** A SIM of the inventory; {@code device} and {@code link} are set once claimed. */
    public static final class Sim {
        public final String iccid;
        public volatile long device;
        public volatile long link;
        public volatile String state = "INACTIVE";
        public volatile String plan;
        public volatile boolean sessionOpen;
        public volatile String network = "T-Mobile USA, Inc";

        Sim(String iccid) {
            this.iccid = iccid;
        }
    }

    /** How requests whose path starts with a prefix fail until {@link #heal()}. */
    private record Failure(String pathPrefix, int status, String retryAfter, String body, boolean hang) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final String apiKey;
    private final String orgId;
    private final Map<String, Sim> sims = new ConcurrentHashMap<>();
    private final List<long[]> sessions = new CopyOnWriteArrayList<>(); // {recordId, linkId, bytes, epochSeconds}
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Failure> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong(1_000_000);
    private volatile int usagePageSize = 1000;
    private volatile CountDownLatch released = new CountDownLatch(1);

    public HologramServer(String apiKey, String orgId) {
        this.apiKey = apiKey;
        this.orgId = orgId;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/1/", this::handle);
        server.start();
    }

    /** The base URL an integration names: {@code http://127.0.0.1:<port>/api/1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/1";
    }

    /** Adds an unclaimed SIM to the inventory. */
    public Sim addSim(String iccid) {
        Sim s = new Sim(iccid);
        sims.put(iccid, s);
        return s;
    }

    public Sim sim(String iccid) {
        return sims.get(iccid);
    }

    /** A data session of the SIM, {@code bytes} long, {@code epochSeconds} when it began. */
    public void addSession(Sim sim, long bytes, long epochSeconds) {
        sessions.add(new long[] {ids.incrementAndGet(), sim.link, bytes, epochSeconds});
    }

    public void usagePageSize(int size) {
        usagePageSize = size;
    }

    /** Requests to paths starting with {@code prefix} answer {@code status} (with {@code Retry-After}) until healed. */
    public void fail(String prefix, int status, String retryAfter) {
        failures.add(new Failure(prefix, status, retryAfter, "{\"success\":false,\"error\":\"failure " + status
                + "\"}", false));
    }

    /** Requests to paths starting with {@code prefix} answer 200 with {@code body} as it is, until healed. */
    public void answer(String prefix, String body) {
        failures.add(new Failure(prefix, 200, null, body, false));
    }

    /** Requests to paths starting with {@code prefix} get no answer until healed (at most 60 s). */
    public void hang(String prefix) {
        failures.add(new Failure(prefix, 0, null, null, true));
    }

    /** Ends every failure; hanging requests are then answered normally. */
    public void heal() {
        failures.clear();
        CountDownLatch old = released;
        released = new CountDownLatch(1);
        old.countDown();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        heal();
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath().substring("/api/1".length());
            Map<String, String> query = query(x.getRequestURI().getRawQuery());
            byte[] raw = x.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
            requests.add(new Request(x.getRequestMethod(), path, query, body));
            for (Failure f : failures) {
                if (path.startsWith(f.pathPrefix())) {
                    if (f.hang()) {
                        awaitRelease();
                        continue;
                    }
                    if (f.retryAfter() != null) {
                        x.getResponseHeaders().add("Retry-After", f.retryAfter());
                    }
                    send(x, f.status(), f.body());
                    return;
                }
            }
            if (!apiKey.equals(query.get("apikey"))) {
                send(x, 401, "{\"success\":false,\"error\":\"Invalid API key\"}");
                return;
            }
            route(x, path, query, body);
        }
    }

    private void route(HttpExchange x, String path, Map<String, String> query, JsonNode body) throws IOException {
        String method = x.getRequestMethod();
        if (method.equals("GET") && path.equals("/plans")) {
            send(x, 200, "{\"success\":true,\"data\":[{\"id\":2096,\"name\":\"Global Standard Flat Rate\","
                    + "\"data\":0,\"zones\":{\"global\":{}}},{\"id\":73,\"name\":\"Pilot 1MB\",\"data\":1048576,"
                    + "\"zones\":{\"1\":{},\"2\":{}}}]}");
        } else if (method.equals("POST") && path.equals("/links/cellular/bulkclaim")) {
            claim(x, body);
        } else if (method.equals("POST") && path.matches("/devices/\\d+/state")) {
            Sim s = byDevice(Long.parseLong(path.split("/")[2]));
            String state = body == null ? "" : body.path("state").asString("");
            if (s == null || !List.of("live", "pause", "deactivate").contains(state)) {
                send(x, 400, "{\"success\":false,\"error\":\"Invalid device or state\"}");
                return;
            }
            s.state = switch (state) {
                case "live" -> "LIVE";
                case "pause" -> "PAUSED-USER";
                default -> "DEACTIVATED";
            };
            send(x, 200, "{\"success\":true}");
        } else if (method.equals("GET") && path.matches("/devices/\\d+")) {
            Sim s = byDevice(Long.parseLong(path.split("/")[2]));
            if (s == null) {
                send(x, 404, "{\"success\":false,\"error\":\"Device not found\"}");
                return;
            }
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("id", s.link);
            link.put("deviceid", s.device);
            link.put("sim", s.iccid);
            link.put("state", s.state);
            link.put("plan", Map.of("id", Long.parseLong(s.plan), "zone", "global", "name", "plan " + s.plan));
            link.put("last_network_used", s.network);
            Map<String, Object> device = new LinkedHashMap<>();
            device.put("id", s.device);
            device.put("orgid", Long.parseLong(orgId));
            device.put("links", Map.of("cellular", List.of(link)));
            device.put("lastsession", Map.of("linkid", s.link, "active", s.sessionOpen, "network_name", s.network));
            send(x, 200, JSON.writeValueAsString(Map.of("success", true, "data", device)));
        } else if (method.equals("GET") && path.equals("/usage/data")) {
            usage(x, query);
        } else if (method.equals("POST") && path.equals("/sms/incoming")) {
            Sim s = body == null ? null : byDevice(body.path("deviceid").asLong(-1));
            if (s == null || body.path("body").asString("").isEmpty()) {
                send(x, 400, "{\"success\":false,\"error\":\"Invalid device or body\"}");
                return;
            }
            send(x, 200, "{\"success\":true,\"data\":{\"msgcount\":1}}");
        } else {
            send(x, 404, "{\"success\":false,\"error\":\"Not found\"}");
        }
    }

    private void claim(HttpExchange x, JsonNode body) throws IOException {
        if (body == null || !body.path("sims").isArray() || !body.path("plan").isNumber()
                || body.path("zone").asString("").isEmpty()) {
            send(x, 400, "{\"success\":false,\"error\":\"sims, plan and zone are required\"}");
            return;
        }
        List<Object> data = new ArrayList<>();
        for (JsonNode n : body.get("sims")) {
            Sim s = sims.get(n.asString());
            if (s == null || s.device != 0) {
                send(x, 400, "{\"success\":false,\"error\":\"SIM " + n.asString()
                        + " is not available to claim\"}");
                return;
            }
            s.device = ids.incrementAndGet();
            s.link = ids.incrementAndGet();
            s.state = "LIVE";
            s.plan = body.get("plan").asString();
            data.add(Map.of("simcardid", ids.incrementAndGet(), "device", s.device, "link", s.link, "sim", s.iccid));
        }
        send(x, 200, JSON.writeValueAsString(Map.of("success", true, "data", data,
                "order_data", Map.of("sales_tax", 0, "shipping_cost", 0))));
    }

    private void usage(HttpExchange x, Map<String, String> query) throws IOException {
        long link = query.containsKey("linkid") ? Long.parseLong(query.get("linkid")) : -1;
        if (link < 0 && !orgId.equals(query.get("orgid"))) {
            send(x, 400, "{\"success\":false,\"error\":\"orgid or linkid is required\"}");
            return;
        }
        long from = Long.parseLong(query.getOrDefault("timestart", "0"));
        long after = Long.parseLong(query.getOrDefault("startafter", "0"));
        int limit = Math.min(usagePageSize, Integer.parseInt(query.getOrDefault("limit", "25")));
        List<long[]> matching = sessions.stream().filter(s -> (link < 0 || s[1] == link) && s[3] >= from
                && s[0] > after).sorted((a, b) -> Long.compare(a[0], b[0])).toList();
        List<long[]> page = matching.subList(0, Math.min(limit, matching.size()));
        List<Object> data = new ArrayList<>();
        for (long[] s : page) {
            data.add(Map.of("linkid", s[1], "record_id", s[0], "bytes", s[2], "session_begin", "2026-12-01 10:00:00",
                    "network_name", "T-Mobile USA, Inc", "radio_access_technology", "LTE"));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("success", true);
        answer.put("limit", limit);
        answer.put("size", page.size());
        answer.put("continues", matching.size() > page.size());
        if (!page.isEmpty()) {
            answer.put("lastid", page.getLast()[0]);
        }
        answer.put("data", data);
        send(x, 200, JSON.writeValueAsString(answer));
    }

    private void awaitRelease() {
        try {
            released.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Sim byDevice(long device) {
        return sims.values().stream().filter(s -> s.device == device && device != 0).findFirst().orElse(null);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                q.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A random ICCID with a valid Luhn check digit. */
    public static String iccid() {
        StringBuilder d = new StringBuilder("8901");
        for (int i = 0; i < 14; i++) {
            d.append(java.util.concurrent.ThreadLocalRandom.current().nextInt(10));
        }
        for (int check = 0; check < 10; check++) {
            String candidate = d.toString() + check;
            if (luhn(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException();
    }

    private static boolean luhn(String digits) {
        int sum = 0;
        for (int i = 0; i < digits.length(); i++) {
            int n = digits.charAt(digits.length() - 1 - i) - '0';
            if (i % 2 == 1) {
                n = n * 2 > 9 ? n * 2 - 9 : n * 2;
            }
            sum += n;
        }
        return sum % 10 == 0;
    }
}
