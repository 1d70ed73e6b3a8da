package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import org.junit.jupiter.api.Test;

/** CORS: open to the origins in {@code fleetkeeper.api.cors-origins} (one in the tests), closed to every other. */
class CorsTests extends ApiTest {

    @Test
    void aListedOriginsPreflightIsAnsweredAndItsCallsMarked() {
        Reply preflight = preflight(CORS_ORIGIN, "/api/v1/devices");
        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(CORS_ORIGIN);
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("PATCH");
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();

        TestTenant t = newTenant();
        Reply list = api.call("GET", "/api/v1/devices").token(t.admin()).header("Origin", CORS_ORIGIN).send();
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.header("Access-Control-Allow-Origin")).isEqualTo(CORS_ORIGIN);
        assertThat(list.header("Access-Control-Expose-Headers")).contains("ETag");
    }

    @Test
    void anyOtherOriginAndTheConsoleStayClosed() {
        Reply other = preflight("https://evil.example", "/api/v1/devices");
        assertThat(other.status()).isIn(401, 403);
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
        TestTenant t = newTenant();
        Reply call = api.call("GET", "/api/v1/devices").token(t.admin()).header("Origin", "https://evil.example")
                .send();
        assertThat(call.status()).isEqualTo(403);
        assertThat(call.header("Access-Control-Allow-Origin")).isNull();

        Reply console = preflight(CORS_ORIGIN, "/app/devices");
        assertThat(console.header("Access-Control-Allow-Origin")).isNull();
    }

    private Reply preflight(String origin, String path) {
        return api.call("OPTIONS", path).header("Origin", origin).header("Access-Control-Request-Method", "PATCH")
                .header("Access-Control-Request-Headers", "authorization,if-match").send();
    }
}
