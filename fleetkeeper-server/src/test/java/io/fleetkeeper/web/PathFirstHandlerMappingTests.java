package io.fleetkeeper.web;

import static io.fleetkeeper.web.PathFirstHandlerMapping.mayMatch;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPatternParser;

class PathFirstHandlerMappingTests {

    private static final String[] PATTERNS = {"/api/v1/devices/{id}", "/api/v1/devices/{id}/events", "/api/v1/devices",
        "/api/v1/devices/import", "/files/{name}.txt", "/api/v1/dev?ces", "/app/**", "/{*path}", "/a/bc{x}", "/",
        "/api/v1/stats/devices"};
    private static final String[] PATHS = {"/api/v1/devices/0b5c-1", "/api/v1/devices/0b5c-1/events", "/api/v1/devices",
        "/api/v1/devices/", "/api/v1/device", "/api/v1/devices/import", "/api/v1/sites/1", "/files/a.txt", "/files",
        "/api/v1/devXces", "/app", "/app/x/y", "/apple", "/a/bcd", "/a/bd", "/", "/api//v1/devices/1",
        "/api/v1/stats/devices", "/x"};

    @Test
    void aMappingIsRejectedOnlyWhenSpringWouldNotMatchItsPathEither() {
        PathPatternParser parser = new PathPatternParser();
        for (String pattern : PATTERNS) {
            for (String path : PATHS) {
                if (parser.parse(pattern).matches(PathContainer.parsePath(path))) {
                    assertThat(mayMatch(pattern, path)).as("%s on %s", pattern, path).isTrue();
                }
            }
        }
    }

    @Test
    void aDifferentLiteralSegmentRejects() {
        assertThat(mayMatch("/api/v1/devices/{id}", "/api/v1/sites/1")).isFalse();
        assertThat(mayMatch("/api/v1/devices/import", "/api/v1/devices/0b5c-1")).isFalse();
        assertThat(mayMatch("/api/v1/devices", "/api/v1/device")).isFalse();
        assertThat(mayMatch("/api/v1/devices/{id}", "/api/v1/devices/0b5c-1")).isTrue();
        assertThat(mayMatch("/app/**", "/app")).isTrue();
        assertThat(mayMatch("/a/bc{x}", "/a/bd")).isTrue();
    }
}
