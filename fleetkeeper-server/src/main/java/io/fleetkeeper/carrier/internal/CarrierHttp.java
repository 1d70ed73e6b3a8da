package io.fleetkeeper.carrier.internal;

import io.fleetkeeper.carrier.CarrierProperties;
import io.fleetkeeper.carrier.internal.CarrierException.Kind;
import io.fleetkeeper.carrier.internal.CarrierProvider.Account;
import io.fleetkeeper.event.OutboundUrls;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON over HTTPS to a carrier whose API key travels as the {@code apikey} query parameter. The base URL is checked
 * against the SSRF rules before every request, redirects are never followed, answers over 4 MiB are refused, and
 * no message this class produces contains the key.
 */
@Component
class CarrierHttp {

    private static final int MAX_ANSWER = 4 << 20;
    private static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

    private final OutboundUrls urls;
    private final CarrierProperties props;
    private final JsonMapper json;

    CarrierHttp(OutboundUrls urls, CarrierProperties props, JsonMapper json) {
        this.urls = urls;
        this.props = props;
        this.json = json;
    }

    JsonNode get(Account account, String path, Map<String, ?> query) {
        return send(account, "GET", path, query, null);
    }

    JsonNode post(Account account, String path, Map<String, ?> query, Object body) {
        return send(account, "POST", path, query, json.writeValueAsString(body));
    }

    private JsonNode send(Account account, String method, String path, Map<String, ?> query, @Nullable String body) {
        String refused = urls.refusal(account.baseUrl());
        if (refused != null) {
            throw new CarrierException(Kind.REJECTED, "the carrier's base URL " + refused);
        }
        Map<String, Object> params = new LinkedHashMap<>(query);
        params.put("apikey", account.apiKey());
        StringBuilder uri = new StringBuilder(account.baseUrl().replaceAll("/+$", "")).append(path).append('?');
        params.forEach((k, v) -> uri.append(k).append('=')
                .append(URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8)).append('&'));
        uri.setLength(uri.length() - 1);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri.toString()))
                .timeout(props.requestTimeout()).header("Accept", "application/json")
                .header("User-Agent", "Fleetkeeper");
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        HttpResponse<InputStream> response;
        byte[] answer;
        try {
            response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                answer = in.readNBytes(MAX_ANSWER + 1);
            }
        } catch (HttpTimeoutException e) {
            throw new CarrierException(Kind.UNAVAILABLE, method + " " + path + ": no answer within "
                    + props.requestTimeout().toMillis() + " ms");
        } catch (IOException e) {
            throw new CarrierException(Kind.UNAVAILABLE, method + " " + path + ": " + e.getClass().getSimpleName()
                    + scrub(e.getMessage(), account));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CarrierException(Kind.UNAVAILABLE, method + " " + path + ": interrupted");
        }
        return answer(account, method + " " + path, response, answer);
    }

    private JsonNode answer(Account account, String call, HttpResponse<?> response, byte[] answer) {
        int status = response.statusCode();
        JsonNode node = null;
        if (answer.length <= MAX_ANSWER) {
            try {
                node = json.readTree(answer);
            } catch (JacksonException e) {
                node = null;
            }
        }
        String said = node == null ? "" : scrub(node.path("error").asString(""), account);
        if (status == 401 || status == 403) {
            throw new CarrierException(Kind.UNAUTHORIZED, call + ": the carrier refused the API key (HTTP " + status
                    + ")" + said);
        }
        if (status == 429) {
            Duration wait = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
            throw new CarrierException(Kind.RATE_LIMITED, call + ": rate limited by the carrier"
                    + (wait == null ? "" : " (Retry-After " + wait.toSeconds() + " s)"), wait);
        }
        if (status >= 500) {
            throw new CarrierException(Kind.UNAVAILABLE, call + ": HTTP " + status + said);
        }
        if (status >= 300 && status < 400) {
            throw new CarrierException(Kind.REJECTED, call + ": HTTP " + status + " (redirects are not followed)");
        }
        if (answer.length > MAX_ANSWER) {
            throw new CarrierException(Kind.MALFORMED, call + ": the answer is over 4 MiB");
        }
        if (node == null || !node.isObject()) {
            throw new CarrierException(Kind.MALFORMED, call + ": the answer is not a JSON object (HTTP " + status + ")");
        }
        if (status >= 400 || !node.path("success").asBoolean(false)) {
            throw new CarrierException(Kind.REJECTED, call + ": the carrier refused the request (HTTP " + status
                    + ")" + said);
        }
        return node;
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    static @Nullable Duration retryAfter(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }

    /** {@code ": message"} without the API key, at most 200 characters; empty for none. */
    private static String scrub(@Nullable String message, Account account) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String s = message.replace(account.apiKey(), "***")
                .replace(URLEncoder.encode(account.apiKey(), StandardCharsets.UTF_8), "***");
        return ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
    }
}
