package io.fleetkeeper.web;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.util.pattern.PathPattern;

/**
 * The registered mappings by the number of segments of their path patterns, so that a request path is compared with
 * the few mappings of its length (and those with a wildcard spanning segments) instead of all of them. Immutable:
 * built again when a mapping is registered or removed.
 */
record PathIndex(Map<Integer, List<Candidate>> bySegments, List<Candidate> anyLength) {

    static final PathIndex EMPTY = new PathIndex(Map.of(), List.of());

    /** A mapping, its handler, and those of its patterns that belong to one bucket of the index. */
    record Candidate(RequestMappingInfo info, HandlerMethod handler, String[] patterns) {

        boolean mayMatch(String path) {
            for (String pattern : patterns) {
                if (PathFirstHandlerMapping.mayMatch(pattern, path)) {
                    return true;
                }
            }
            return patterns.length == 0;
        }
    }

    static PathIndex of(Map<RequestMappingInfo, HandlerMethod> mappings) {
        Map<Integer, List<Candidate>> bySegments = new HashMap<>();
        List<Candidate> anyLength = new ArrayList<>();
        mappings.forEach((info, handler) -> {
            PathPatternsRequestCondition condition = info.getPathPatternsCondition();
            if (condition == null || condition.isEmptyPathMapping()) {
                anyLength.add(new Candidate(info, handler, new String[0]));
                return;
            }
            Map<Integer, List<String>> patterns = new HashMap<>();
            for (PathPattern pattern : condition.getPatterns()) {
                String value = pattern.getPatternString();
                patterns.computeIfAbsent(spansSegments(value) ? -1 : separators(value), n -> new ArrayList<>()).add(value);
            }
            patterns.forEach((n, values) -> {
                Candidate candidate = new Candidate(info, handler, values.toArray(String[]::new));
                (n < 0 ? anyLength : bySegments.computeIfAbsent(n, k -> new ArrayList<>())).add(candidate);
            });
        });
        bySegments.replaceAll((n, candidates) -> List.copyOf(candidates));
        return new PathIndex(Map.copyOf(bySegments), List.copyOf(anyLength));
    }

    /** The mappings of {@code path}'s number of segments; {@link #anyLength()} holds the others to try. */
    List<Candidate> sameLength(String path) {
        return bySegments.getOrDefault(separators(path), List.of());
    }

    private static boolean spansSegments(String pattern) {
        return pattern.contains("**") || pattern.contains("{*");
    }

    /** The number of separators outside a variable's braces. */
    private static int separators(String value) {
        int count = 0;
        int depth = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == '/' && depth <= 0) {
                count++;
            }
        }
        return count;
    }
}
