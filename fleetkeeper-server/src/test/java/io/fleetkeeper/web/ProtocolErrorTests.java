package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.RawHttp;
import io.fleetkeeper.testing.TestTenant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Requests that fail below Spring MVC, in Tomcat's parsing of the request line, headers and parameters:
 * on both listeners they answer problem+json with a stable code, and leave at most one log line each.
 */
class ProtocolErrorTests extends ApiTest {

    private static final String LONG = "a".repeat(20_000);

    @LocalServerPort
    private int port;

    @Autowired
    private DeviceListener listener;

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void captureLog() {
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        root.detachAppender(log);
    }

    @Test
    void emptyParameterNameIsAnInvalidParameterOnTheManagementPort() {
        TestTenant t = newTenant();
        RawHttp http = RawHttp.plain(port);

        assertProblem(http.get("/actuator/health?=x"), 400, "INVALID_PARAMETER");
        for (String list : List.of("/api/v1/devices", "/api/v1/sites", "/api/v1/audit", "/api/v1/device-types")) {
            assertProblem(http.get(list + "?=x", "Authorization: Bearer " + t.admin()), 400, "INVALID_PARAMETER");
        }
        assertNoStackTraces();
    }

    @Test
    void invalidRequestTargetsAreMalformedOnTheManagementPort() {
        RawHttp http = RawHttp.plain(port);

        assertProblem(http.get("/actuator/health?name=%zz"), 400, "INVALID_PARAMETER");
        assertProblem(http.get("/api/v1/devices%zz"), 400, "MALFORMED_REQUEST");
        assertProblem(http.get("/api/v1/devices?x={}"), 400, "MALFORMED_REQUEST");
        assertProblem(http.get("/api/../../etc/passwd"), 400, "MALFORMED_REQUEST");
        assertNoStackTraces();
    }

    @Test
    void oversizedHeadersAndQueryStringsAreRefusedOnTheManagementPort() {
        RawHttp http = RawHttp.plain(port);

        assertProblem(http.get("/actuator/health", "X-Big: " + LONG), 431, "HEADERS_TOO_LARGE");
        assertProblem(http.get("/actuator/health?q=" + LONG), 431, "HEADERS_TOO_LARGE");
        assertNoStackTraces();
    }

    @Test
    void theDeviceListenerAnswersTheSameWay() {
        RawHttp http = new DevicePort(api, listener.port()).raw();

        assertProblem(http.get("/device/v1/commands?=x&wait=1"), 401, "UNAUTHENTICATED");
        assertProblem(http.get("/device/v1/commands%zz"), 400, "MALFORMED_REQUEST");
        assertProblem(http.get("/device/v1/commands?x={}"), 400, "MALFORMED_REQUEST");
        assertProblem(http.get("/device/v1/commands", "X-Big: " + LONG), 431, "HEADERS_TOO_LARGE");
        assertProblem(http.get("/device/v1/commands?q=" + LONG), 431, "HEADERS_TOO_LARGE");
        assertNoStackTraces();
    }

    @Test
    void errorsTomcatSendsItselfAndTheErrorPathAreProblems() {
        RawHttp http = RawHttp.plain(port);

        assertProblem(http.send("TRACE /api/v1/devices HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
                405, "METHOD_NOT_ALLOWED");
        assertProblem(http.send("GET /api/v1/devices HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
                400, "MALFORMED_REQUEST");
        assertProblem(http.get("/error"), 404, "NOT_FOUND");
        assertNoStackTraces();
    }

    private static void assertProblem(RawHttp.Response r, int status, String code) {
        assertThat(r.status()).as("status of %s", r.body()).isEqualTo(status);
        assertThat(r.headers().get("content-type")).as("content type of %s", r.body())
                .startsWith("application/problem+json");
        JsonNode problem = r.json();
        assertThat(problem.path("code").asString()).as(r.body()).isEqualTo(code);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("detail").asString()).doesNotContain("Exception", "java.", "org.apache");
    }

    private void assertNoStackTraces() {
        assertThat(log.list).filteredOn(e -> e.getThrowableProxy() != null)
                .as("log events with a stack trace").isEmpty();
        assertThat(log.list).filteredOn(e -> e.getFormattedMessage().contains("\n"))
                .as("log events of more than one line").isEmpty();
    }
}
