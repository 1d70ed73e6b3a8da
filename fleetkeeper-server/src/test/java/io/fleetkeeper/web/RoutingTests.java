package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.RawHttp;
import io.fleetkeeper.testing.TestTenant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Which handler answers a request: the handler lookup tries a mapping's path before its method, headers and media
 * types, and must pick the same handler, and fail the same way, as Spring MVC's own order.
 */
class RoutingTests extends ApiTest {

    @LocalServerPort
    private int port;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    private RequestMappingHandlerMapping mappings;

    @Test
    void theApplicationLooksUpHandlersPathFirst() {
        assertThat(mappings).isInstanceOf(PathFirstHandlerMapping.class);
    }

    @Test
    void aPathWithAVariableFindsItsHandler() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device(randomName("route"))).path("id").asString();
        RawHttp http = RawHttp.plain(port);

        RawHttp.Response r = http.get("/api/v1/devices/" + id, "Authorization: Bearer " + t.admin());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("id").asString()).isEqualTo(id);
        // a percent-encoded literal segment matches as Spring MVC decodes it
        r = http.get("/api/v1/dev%69ces/" + id, "Authorization: Bearer " + t.admin());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("id").asString()).isEqualTo(id);
        // literal paths next to a variable one
        r = http.get("/api/v1/devices?limit=1", "Authorization: Bearer " + t.admin());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        r = http.get("/api/v1/stats/devices", "Authorization: Bearer " + t.admin());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void anotherTenantsDeviceIsNotFound() {
        TestTenant owner = newTenant();
        TestTenant other = newTenant();
        String id = createDevice(owner.admin(), device(randomName("route"))).path("id").asString();

        RawHttp.Response r = RawHttp.plain(port).get("/api/v1/devices/" + id, "Authorization: Bearer " + other.admin());
        assertProblem(r, 404, "NOT_FOUND");
    }

    @Test
    void aPathWithoutTheMethodIsMethodNotAllowed() {
        TestTenant t = newTenant();
        RawHttp.Response r = RawHttp.plain(port).send("DELETE /api/v1/stats/devices HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + t.admin() + "\r\nConnection: close\r\n\r\n");
        assertProblem(r, 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void aBodyOfAnotherMediaTypeIsUnsupported() {
        TestTenant t = newTenant();
        RawHttp.Response r = RawHttp.plain(port).send("POST /api/v1/devices HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + t.admin() + "\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                + "Connection: close\r\n\r\nhi");
        assertThat(r.status()).as(r.body()).isEqualTo(415);
    }

    @Test
    void anUnknownPathIsNotFound() {
        TestTenant t = newTenant();
        RawHttp.Response r = RawHttp.plain(port).get("/api/v1/no-such-thing/x", "Authorization: Bearer " + t.admin());
        assertProblem(r, 404, "NOT_FOUND");
    }

    private static void assertProblem(RawHttp.Response r, int status, String code) {
        assertThat(r.status()).as("status of %s", r.body()).isEqualTo(status);
        assertThat(r.json().path("code").asString()).as(r.body()).isEqualTo(code);
    }
}
