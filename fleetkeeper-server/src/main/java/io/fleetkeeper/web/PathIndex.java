package io.fleetkeeper.web;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.util.pattern.PathPattern;

/**
 * The registered mappings by the number of segments of their path patterns and, within one number, by the literal
 * segment in the place where those patterns differ most ({@code devices} in {@code /api/v1/devices/{id}}), so that a
 * request path is compared with the few mappings that can match it instead of all of them. Patterns with a wildcard
 * spanning segments ({@code /app/**}) are compared with every path. Immutable: built again when a mapping is
 * registered or removed.
 */
record PathIndex(Map<Integer, Bucket> bySegments, List<Candidate> anyLength) {

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

    /** The mappings of one number of segments: by their literal segment at {@code position}, and the others. */
    record Bucket(int position, Map<String, List<Candidate>> byLiteral, List<Candidate> others) {

        List<Candidate> sameLiteral(String path) {
            return byLiteral.getOrDefault(segment(path, position, false), List.of());
        }
    }

    /** The lists of mappings that may match {@code path}; a mapping may be in two of them. */
    List<List<Candidate>> candidates(String path) {
        Bucket bucket = bySegments.get(separators(path, false));
        return bucket == null ? List.of(anyLength) : List.of(bucket.sameLiteral(path), bucket.others(), anyLength);
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
                int n = spansSegments(value) ? -1 : separators(value, true);
                patterns.computeIfAbsent(n, k -> new ArrayList<>()).add(value);
            }
            patterns.forEach((n, values) -> {
                Candidate candidate = new Candidate(info, handler, values.toArray(String[]::new));
                (n < 0 ? anyLength : bySegments.computeIfAbsent(n, k -> new ArrayList<>())).add(candidate);
            });
        });
        Map<Integer, Bucket> buckets = new HashMap<>();
        bySegments.forEach((n, candidates) -> buckets.put(n, bucket(n, candidates)));
        return new PathIndex(Map.copyOf(buckets), List.copyOf(anyLength));
    }

    /** The candidates of one number of separators {@code n}, by the place where their literal segments differ most. */
    private static Bucket bucket(int n, List<Candidate> candidates) {
        int best = 0;
        int bestDistinct = -1;
        for (int position = 0; position <= n; position++) {
            Set<String> distinct = new HashSet<>();
            for (Candidate candidate : candidates) {
                for (String pattern : candidate.patterns()) {
                    String segment = segment(pattern, position, true);
                    distinct.add(literal(segment) ? segment : "{");
                }
            }
            if (distinct.size() > bestDistinct) {
                best = position;
                bestDistinct = distinct.size();
            }
        }
        Map<String, List<Candidate>> byLiteral = new LinkedHashMap<>();
        List<Candidate> others = new ArrayList<>();
        for (Candidate candidate : candidates) {
            Set<String> literals = new HashSet<>();
            boolean other = false;
            for (String pattern : candidate.patterns()) {
                String segment = segment(pattern, best, true);
                if (literal(segment)) {
                    literals.add(segment);
                } else {
                    other = true;
                }
            }
            if (other) {
                others.add(candidate);
            } else {
                literals.forEach(l -> byLiteral.computeIfAbsent(l, k -> new ArrayList<>()).add(candidate));
            }
        }
        byLiteral.replaceAll((l, list) -> List.copyOf(list));
        return new Bucket(best, Map.copyOf(byLiteral), List.copyOf(others));
    }

    private static boolean literal(String segment) {
        return segment.indexOf('{') < 0 && segment.indexOf('*') < 0 && segment.indexOf('?') < 0;
    }

    private static boolean spansSegments(String pattern) {
        return pattern.contains("**") || pattern.contains("{*");
    }

    /**
     * The segment at {@code position} (0 is before the first separator); in a pattern, separators in braces do not
     * count.
     */
    static String segment(String value, int position, boolean pattern) {
        int start = 0;
        for (int seen = 0; ; seen++) {
            int end = nextSeparator(value, start, pattern);
            if (seen == position) {
                return value.substring(start, end < 0 ? value.length() : end);
            }
            if (end < 0) {
                return "";
            }
            start = end + 1;
        }
    }

    /** The number of separators; in a pattern, those in a variable's braces do not count. */
    private static int separators(String value, boolean pattern) {
        int count = 0;
        for (int i = nextSeparator(value, 0, pattern); i >= 0; i = nextSeparator(value, i + 1, pattern)) {
            count++;
        }
        return count;
    }

    /** The first separator at or after {@code from} (a segment's start), outside a pattern's braces; -1 if none. */
    private static int nextSeparator(String value, int from, boolean pattern) {
        int depth = 0;
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
            if (pattern && c == '{') {
                depth++;
            } else if (pattern && c == '}') {
                depth--;
            } else if (c == '/' && depth <= 0) {
                return i;
            }
        }
        return -1;
    }
}
