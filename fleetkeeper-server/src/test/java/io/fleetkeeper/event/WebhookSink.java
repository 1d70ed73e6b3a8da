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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
    private volatile CountDownLatch gate;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();

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
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CountDownLatch g = gate;
            if (g != null) { // hold the answer until that many requests are in at once (or give up)
                g.countDown();
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            inFlight.decrementAndGet();
            int s = status.get();
            received.add(new Received(id, ts, sig, body, verifies(id, ts, sig, body), h.getFirst("X-Team"), s));
            exchange.sendResponseHeaders(s, s == 204 ? -1 : 2);
            if (s != 204) {
                exchange.getResponseBody().write("no".getBytes(StandardCharsets.UTF_8));
            }
            exchange.close();
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /** From now on, answers only once {@code n} requests are in at the same time (each waits up to 10 s). */
    public void holdUntilConcurrent(int n) {
        gate = new CountDownLatch(n);
    }

    /** The most requests that were in at the same time. */
    public int mostInFlight() {
        return mostInFlight.get();
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
