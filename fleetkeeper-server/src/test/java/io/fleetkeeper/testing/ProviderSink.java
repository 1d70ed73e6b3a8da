package io.fleetkeeper.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local stand-in for Slack, Teams, PagerDuty and webhook receivers: keeps every JSON request with its path and
 * content type, and answers with the status the test sets (PagerDuty answers 202).
 */
public final class ProviderSink implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One request received. */
    public record Received(String path, String contentType, JsonNode body) {
    }

    private final HttpServer server;
    private final AtomicInteger status = new AtomicInteger(200);
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public ProviderSink() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            received.add(new Received(exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), JSON.readTree(body)));
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public void answer(int httpStatus) {
        status.set(httpStatus);
    }

    /** The bodies received on {@code path}, in order. */
    public List<JsonNode> at(String path) {
        return received.stream().filter(r -> r.path().equals(path)).map(Received::body).toList();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
