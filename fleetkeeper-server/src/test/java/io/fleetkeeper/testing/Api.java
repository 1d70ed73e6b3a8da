package io.fleetkeeper.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** A real HTTP client for the server under test; JSON bodies are strings or objects Jackson writes. */
public final class Api {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final URI base;

    /** A client of the management port {@code port} (tests with a context of their own). */
    public Api(int port) {
        this.base = URI.create("http://localhost:" + port);
    }

    /** The absolute address of {@code path} on the management port (for clients other than this one). */
    public URI uri(String path) {
        return base.resolve(path);
    }

    public Reply get(String token, String path) {
        return call("GET", path).token(token).send();
    }

    public Reply post(String token, String path, Object body) {
        return call("POST", path).token(token).body(body).send();
    }

    public Reply patch(String token, String path, Object body, String ifMatch) {
        return call("PATCH", path).token(token).header("If-Match", ifMatch).body(body).send();
    }

    public Reply delete(String token, String path) {
        return call("DELETE", path).token(token).send();
    }

    public Call call(String method, String path) {
        return new Call(method, path);
    }

    /** A request being built; nothing is sent until {@link #send()}. */
    public final class Call {
        private final String method;
        private final String path;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private BodyPublisher body = BodyPublishers.noBody();

        private Call(String method, String path) {
            this.method = method;
            this.path = path;
        }

        public Call token(String token) {
            return header("Authorization", token == null ? null : "Bearer " + token);
        }

        public Call header(String name, String value) {
            if (value != null) {
                headers.put(name, value);
            }
            return this;
        }

        public Call body(Object json) {
            if (json != null) {
                String text = json instanceof String s ? s : JSON.writeValueAsString(json);
                headers.putIfAbsent("Content-Type", "application/json");
                body = BodyPublishers.ofString(text);
            }
            return this;
        }

        public Call body(String contentType, BodyPublisher publisher) {
            headers.put("Content-Type", contentType);
            body = publisher;
            return this;
        }

        public Reply send() {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                    .method(method, body);
            headers.forEach(request::header);
            try {
                var response = CLIENT.send(request.build(), BodyHandlers.ofString());
                return new Reply(method + " " + path, response.statusCode(), response.headers(), response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(method + " " + path, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
