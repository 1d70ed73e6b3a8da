package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.RawHttp;
import io.fleetkeeper.testing.TestTenant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.actuate.endpoint.web.WebMvcEndpointHandlerMapping;
import org.springframework.http.server.PathContainer;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPatternParser;

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

    @Autowired
    private WebMvcEndpointHandlerMapping actuator;

    @Test
    void theActuatorsEndpointsAreLookedUpAfterTheApplicationsHandlers() {
        assertThat(actuator.getOrder()).isGreaterThan(mappings.getOrder());
    }

    /** What makes that order safe: each side's patterns match nothing of the other's paths. */
    @Test
    void noApplicationPatternMatchesAnActuatorPathNorTheOtherWayRound() {
        Set<String> application = new TreeSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> application.addAll(info.getPatternValues()));
        Set<String> endpoints = new TreeSet<>();
        actuator.getHandlerMethods().keySet().forEach(info -> endpoints.addAll(info.getPatternValues()));
        assertThat(endpoints).contains("/actuator/health", "/actuator/prometheus").allMatch(p -> p.startsWith("/actuator"));
        List<String> actuatorPaths = PathFirstHandlerMappingTests.pathsFor(endpoints,
                List.of("/actuator", "/actuator/", "/actuator/x/y/z", "/actuator/health/readiness")).stream()
            .filter(path -> path.equals("/actuator") || path.startsWith("/actuator/")).toList();
        List<String> applicationPaths = PathFirstHandlerMappingTests.pathsFor(application, List.of("/")).stream()
            .filter(path -> !path.equals("/actuator") && !path.startsWith("/actuator/")).toList();
        assertThat(actuatorPaths).hasSizeGreaterThan(20);
        for (String pattern : application) {
            var parsed = PathPatternParser.defaultInstance.parse(pattern);
            assertThat(actuatorPaths).as(pattern).noneMatch(path -> parsed.matches(PathContainer.parsePath(path)));
        }
        for (String pattern : endpoints) {
            var parsed = PathPatternParser.defaultInstance.parse(pattern);
            assertThat(applicationPaths).as(pattern).noneMatch(path -> parsed.matches(PathContainer.parsePath(path)));
        }
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
    void aSubResourceOfADeviceFindsItsHandlerAndOnlyIt() {
        TestTenant t = newTenant();
        String id = createDevice(t.admin(), device(randomName("route"))).path("id").asString();
        RawHttp http = RawHttp.plain(port);
        String auth = "Authorization: Bearer " + t.admin();

        RawHttp.Response r = http.get("/api/v1/devices/" + id + "/events", auth);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        r = http.get("/api/v1/devices/" + id + "/children", auth);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        // one segment more or a trailing slash matches nothing, as in Spring MVC 7
        assertProblem(http.get("/api/v1/devices/" + id + "/events/1", auth), 404, "NOT_FOUND");
        assertProblem(http.get("/api/v1/devices/" + id + "/", auth), 404, "NOT_FOUND");
        // the path matches, the method does not
        assertProblem(http.send("DELETE /api/v1/devices/" + id + "/events HTTP/1.1\r\nHost: localhost\r\n" + auth
                + "\r\nConnection: close\r\n\r\n"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void theShortcutRejectsNoPathThatARegisteredPatternMatches() {
        Set<String> patterns = new TreeSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> patterns.addAll(info.getPatternValues()));
        assertThat(patterns).hasSizeGreaterThan(100);
        PathFirstHandlerMappingTests.assertNoMatchIsRejected(patterns, PathFirstHandlerMappingTests.pathsFor(patterns,
            List.of("/api/v1/devices/0b5c-1", "/api/v1/devices/0b5c-1/shadow/delta", "/")));
    }

    @Test
    void theIndexedLookupChoosesAsSpringDoesForEveryRegisteredPattern() throws Exception {
        Set<String> patterns = new TreeSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> patterns.addAll(info.getPatternValues()));
        PathFirstHandlerMapping lookup = (PathFirstHandlerMapping) mappings;
        int compared = 0;
        List<String> paths = List.copyOf(PathFirstHandlerMappingTests.pathsFor(patterns,
            List.of("/api/v1/devices/0b5c-1/shadow/delta", "/api/v1/devices/0b5c-1/shadow/history/3")));
        for (int i = 0; i < paths.size(); i += Math.max(1, paths.size() / 1500)) { // about 1,500 of them, spread
            String path = paths.get(i);
            if (path.contains("//") || path.isEmpty()) {
                continue;
            }
            for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")) {
                for (String accept : List.of("application/json", "text/plain")) {
                    String chosen = choose(() -> lookup.lookupHandlerMethod(path, request(method, path, accept)));
                    String spring = choose(() -> lookup.springLookup(path, request(method, path, accept)));
                    assertThat(chosen).as("%s %s (Accept: %s)", method, path, accept).isEqualTo(spring);
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(1000);
    }

    private static MockHttpServletRequest request(String method, String path, String accept) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, path);
        request.addHeader("Accept", accept);
        request.setContentType("application/json");
        ServletRequestPathUtils.parseAndCache(request);
        return request;
    }

    /** The handler method a lookup chooses, or the exception it throws (404, 405, 406, 415 and their kind). */
    private static String choose(Callable<HandlerMethod> lookup) {
        try {
            HandlerMethod handler = lookup.call();
            return handler == null ? "none" : handler.getMethod().toGenericString();
        } catch (Exception e) {
            return e.getClass().getName();
        }
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
