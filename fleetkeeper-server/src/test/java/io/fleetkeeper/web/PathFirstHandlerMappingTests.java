package io.fleetkeeper.web;

import static io.fleetkeeper.web.PathFirstHandlerMapping.mayMatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

class PathFirstHandlerMappingTests {

    private static final List<String> PATTERNS = List.of("/api/v1/devices/{id}", "/api/v1/devices/{id}/events",
        "/api/v1/devices", "/api/v1/devices/import", "/api/v1/devices/{id}/shadow", "/api/v1/devices/{id}/{part}",
        "/files/{name}.txt", "/api/v1/dev?ces", "/app/**", "/{*path}", "/a/bc{x}", "/", "/api/v1/stats/devices",
        "/a/*", "/a/*/c", "/a/{rest:[a-z]+}/c", "/a/{n:\\d{2}}", "/a/{*rest}", "/docs/**", "/x/y/", "/x/{v}/");
    private static final List<String> PATHS = List.of("/api/v1/devices/0b5c-1", "/api/v1/devices/0b5c-1/events",
        "/api/v1/devices", "/api/v1/devices/", "/api/v1/device", "/api/v1/devices/import", "/api/v1/sites/1",
        "/files/a.txt", "/files", "/api/v1/devXces", "/app", "/app/x/y", "/apple", "/a/bcd", "/a/bd", "/", "",
        "/api//v1/devices/1", "/api/v1/stats/devices", "/x", "/a", "/a/", "/a/b", "/a/b/c", "/a//c", "/a/12",
        "/docs", "/x/y/", "/x/y", "/x/1/", "//", "/api/v1/devices/0b5c-1/events/");

    @Test
    void aMappingIsRejectedOnlyWhenSpringWouldNotMatchItsPathEither() {
        assertNoMatchIsRejected(PATTERNS, pathsFor(PATTERNS, PATHS));
    }

    @Test
    void aDifferentLiteralSegmentRejects() {
        assertThat(mayMatch("/api/v1/devices/{id}", "/api/v1/sites/1")).isFalse();
        assertThat(mayMatch("/api/v1/devices/import", "/api/v1/devices/0b5c-1")).isFalse();
        assertThat(mayMatch("/api/v1/devices", "/api/v1/device")).isFalse();
        assertThat(mayMatch("/api/v1/devices/{id}/shadow", "/api/v1/devices/0b5c-1/events")).isFalse();
        assertThat(mayMatch("/api/v1/devices/{id}", "/api/v1/devices/0b5c-1")).isTrue();
        assertThat(mayMatch("/a/bc{x}", "/a/bd")).isTrue();
    }

    @Test
    void aDifferentNumberOfSegmentsRejectsUnlessAWildcardSpansSegments() {
        assertThat(mayMatch("/api/v1/devices/{id}/events", "/api/v1/devices/0b5c-1")).isFalse();
        assertThat(mayMatch("/api/v1/devices/{id}", "/api/v1/devices/0b5c-1/events")).isFalse();
        assertThat(mayMatch("/api/v1/devices/{id}/{part}", "/api/v1/devices/0b5c-1")).isFalse();
        assertThat(mayMatch("/a/*", "/a/b/c")).isFalse();
        assertThat(mayMatch("/app/**", "/app")).isTrue();
        assertThat(mayMatch("/app/**", "/app/x/y")).isTrue();
        assertThat(mayMatch("/a/{*rest}", "/a/b/c")).isTrue();
        assertThat(mayMatch("/a/{rest:[a-z]+}/c", "/a/b/c")).isTrue();
    }

    @Test
    void forPatternsOfWholeSegmentVariablesTheShortcutIsExact() {
        PathPatternParser parser = new PathPatternParser();
        List<String> simple = PATTERNS.stream()
            .filter(p -> p.replaceAll("/\\{[a-z]+}(?=/|$)", "/v").matches("[a-z0-9/]*")).toList();
        for (String pattern : simple) {
            for (String path : pathsFor(PATTERNS, PATHS)) {
                if (!path.contains("//") && !path.endsWith("/")) {
                    assertThat(mayMatch(pattern, path)).as("%s on %s", pattern, path)
                        .isEqualTo(parser.parse(pattern).matches(PathContainer.parsePath(path)));
                }
            }
        }
    }

    /** For every pattern and path: when Spring's own pattern matches the path, the shortcut lets it through. */
    static void assertNoMatchIsRejected(Collection<String> patterns, Collection<String> paths) {
        PathPatternParser parser = new PathPatternParser();
        Map<String, PathContainer> parsedPaths = new LinkedHashMap<>();
        paths.forEach(path -> parsedPaths.put(path, PathContainer.parsePath(path)));
        int matched = 0;
        for (String pattern : patterns) {
            PathPattern parsed = parser.parse(pattern);
            for (var path : parsedPaths.entrySet()) {
                if (parsed.matches(path.getValue())) {
                    matched++;
                    assertThat(mayMatch(pattern, path.getKey())).as("%s on %s", pattern, path.getKey()).isTrue();
                }
            }
        }
        assertThat(matched).as("pairs that match").isGreaterThanOrEqualTo(patterns.size());
    }

    /**
     * Paths made from the patterns: every variable or wildcard segment filled with sample values (which makes a path
     * that each pattern matches), then each such path with a segment added, dropped, emptied, or a literal segment of
     * another pattern in place of one of its own, with and without a trailing slash; plus {@code extra}.
     */
    static Set<String> pathsFor(Collection<String> patterns, Collection<String> extra) {
        Set<String> literals = new LinkedHashSet<>();
        List<List<String>> filled = new ArrayList<>();
        for (String pattern : patterns) {
            for (String sample : List.of("1", "0b5c-1", "a.txt", "ab", "12", "a/b", "")) {
                List<String> segments = new ArrayList<>();
                for (String segment : pattern.split("/", -1)) {
                    if (segment.matches("[^{}*?]*")) {
                        literals.add(segment);
                        segments.add(segment);
                    } else {
                        segments.add(segment.replaceAll("\\{[^}]*}|\\*\\*|\\*|\\?", sample.isEmpty() ? "" : sample));
                    }
                }
                filled.add(List.of(String.join("/", segments).split("/", -1)));
            }
        }
        Set<String> paths = new LinkedHashSet<>(extra);
        for (List<String> segments : filled) {
            paths.add(String.join("/", segments));
            for (int i = 0; i <= segments.size(); i++) {
                List<String> added = new ArrayList<>(segments);
                added.add(i, "x");
                paths.add(String.join("/", added));
                if (i < segments.size()) {
                    List<String> changed = new ArrayList<>(segments);
                    changed.remove(i);
                    paths.add(String.join("/", changed));
                    changed = new ArrayList<>(segments);
                    changed.set(i, "");
                    paths.add(String.join("/", changed));
                    if (literals.contains(segments.get(i))) {
                        for (String other : sample(literals)) {
                            changed = new ArrayList<>(segments);
                            changed.set(i, other);
                            paths.add(String.join("/", changed));
                        }
                    }
                }
            }
        }
        Set<String> withSlashes = new LinkedHashSet<>();
        for (String path : paths) {
            String p = path.startsWith("/") || path.isEmpty() ? path : "/" + path;
            withSlashes.add(p);
            withSlashes.add(p.endsWith("/") ? p.substring(0, p.length() - 1) : p + "/");
        }
        return withSlashes;
    }

    /** Up to 6 of the literal segments, spread over the set (all of them make the suite slow on ~300 patterns). */
    private static List<String> sample(Set<String> literals) {
        List<String> all = List.copyOf(literals);
        int step = Math.max(1, all.size() / 6);
        List<String> some = new ArrayList<>();
        for (int i = 0; i < all.size(); i += step) {
            some.add(all.get(i));
        }
        return some;
    }
}
