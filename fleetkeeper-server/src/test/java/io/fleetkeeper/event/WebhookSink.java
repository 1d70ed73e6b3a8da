package io.fleetkeeper.event;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local webhook receiver that answers with a status the test sets and keeps every request, with whether its
 * Standard Webhooks signature verifies under the route's secret.
 */
public final class WebhookSink implements AutoCloseable {

    /** One request received. */
    public record Received(String id, String timestamp, String signature, String body, boolean signatureValid,
            String header, int answered) {
    }

    private final HttpServer server;
    private final AtomicInteger status = new AtomicInteger(204);
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile byte[] key;

    public WebhookSink() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            var h = exchange.getRequestHeaders();
            String id = h.getFirst("webhook-id");
            String ts = h.getFirst("webhook-timestamp");
            String sig = h.getFirst("webhook-signature");
            int s = status.get();
            received.add(new Received(id, ts, sig, body, verifies(id, ts, sig, body), h.getFirst("X-Team"), s));
            exchange.sendResponseHeaders(s, s == 204 ? -1 : 2);
            if (s != 204) {
                exchange.getResponseBody().write("no".getBytes(StandardCharsets.UTF_8));
            }
            exchange.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The route's secret ({@code whsec_…}), to verify signatures with. */
    public void secret(String whsec) {
        key = Base64.getDecoder().decode(whsec.substring("whsec_".length()));
    }

    public void answer(int httpStatus) {
        status.set(httpStatus);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    private boolean verifies(String id, String ts, String sig, String body) {
        if (key == null || id == null || ts == null || sig == null || !sig.startsWith("v1,")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] expected = mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(expected, Base64.getDecoder().decode(sig.substring(3)));
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
