package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventProperties;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Sends one webhook request the Standard Webhooks way: {@code webhook-id}, {@code webhook-timestamp} (Unix
 * seconds) and {@code webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">}. The URL is checked
 * against the SSRF rules right before the request; redirects are not followed; at most
 * {@code fleetkeeper.events.response-limit} bytes of the answer are read.
 */
@Component
public class WebhookSender {

    /**
     * How one attempt went: the HTTP status (null without an answer, and for MQTT), the error (null when it
     * succeeded), the latency, the answer.
     */
    public record Result(Integer status, String error, long latencyMs, String response) {
        public boolean ok() {
            return error == null;
        }
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

    private final Destinations destinations;
    private final EventProperties props;
    private final Clock clock;

    public WebhookSender(Destinations destinations, EventProperties props, Clock clock) {
        this.destinations = destinations;
        this.props = props;
        this.clock = clock;
    }

    public Result send(String url, Map<String, String> headers, int timeoutMs, byte[] key, String messageId,
            String body) {
        String refused = destinations.refusal(url);
        if (refused != null) {
            return new Result(null, "refused: URL " + refused, 0, null);
        }
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMillis(timeoutMs))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        request.header("Content-Type", CloudEvents.CONTENT_TYPE).header("User-Agent", "Fleetkeeper-Webhooks")
                .header("webhook-id", messageId).header("webhook-timestamp", timestamp)
                .header("webhook-signature", "v1," + sign(key, messageId + "." + timestamp + "." + body));
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            String answer;
            try (InputStream in = response.body()) {
                answer = new String(in.readNBytes(props.responseLimit()), StandardCharsets.UTF_8);
            }
            long latency = (System.nanoTime() - start) / 1_000_000;
            int status = response.statusCode();
            return new Result(status, status >= 200 && status < 300 ? null : "HTTP " + status, latency, answer);
        } catch (HttpTimeoutException e) {
            return new Result(null, "timed out after " + timeoutMs + " ms", (System.nanoTime() - start) / 1_000_000,
                    null);
        } catch (IOException e) {
            return new Result(null, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                    + e.getMessage()), (System.nanoTime() - start) / 1_000_000, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted", 0, null);
        }
    }

    /** Base64 of HMAC-SHA256 of {@code content} under {@code key}. */
    public static String sign(byte[] key, String content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
