package io.fleetkeeper.web;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Method;
import java.util.List;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Spring MVC's handler lookup with the path tried first. A path with a variable ({@code /devices/{id}}) has no
 * direct entry, so Spring checks every mapping of the application (several hundred here) in the order method,
 * parameters, headers, consumes, produces, path: each of the first five walks the request wrappers of the filter
 * chain for headers and attributes before the path rejects all but one. Here the request is first compared with the
 * mappings of its number of segments only ({@link PathIndex}), each rejected at once when the path cannot match its
 * patterns by their literal segments (see {@link #mayMatch(String, String)}: a walk over two strings, without
 * allocation), the few others by Spring's own check. When exactly one mapping matches, that is Spring's answer; when
 * none or several do, Spring's lookup runs (with the same shortcut per mapping) and orders them, or works out 404,
 * 405, 406 or 415, as before. Paths with percent-encoding or matrix parameters, whose segments Spring compares
 * decoded, and CORS pre-flight requests go through Spring's lookup alone.
 */
final class PathFirstHandlerMapping extends RequestMappingHandlerMapping {

    private static final ScopedValue<String> PATH = ScopedValue.newInstance();

    private volatile PathIndex index = PathIndex.EMPTY;

    @Override
    public void afterPropertiesSet() {
        super.afterPropertiesSet();
        index = PathIndex.of(getHandlerMethods());
    }

    @Override
    public void registerMapping(RequestMappingInfo mapping, Object handler, Method method) {
        super.registerMapping(mapping, handler, method);
        index = PathIndex.of(getHandlerMethods());
    }

    @Override
    public void unregisterMapping(RequestMappingInfo mapping) {
        super.unregisterMapping(mapping);
        index = PathIndex.of(getHandlerMethods());
    }

    @Override
    protected HandlerMethod lookupHandlerMethod(String lookupPath, HttpServletRequest request) throws Exception {
        String path = plainPath(request);
        if (path == null) {
            return super.lookupHandlerMethod(lookupPath, request);
        }
        if (!CorsUtils.isPreFlightRequest(request)) {
            HandlerMethod handler = onlyMatch(path, lookupPath, request);
            if (handler != null) {
                return handler;
            }
        }
        return ScopedValue.where(PATH, path).call(() -> super.lookupHandlerMethod(lookupPath, request));
    }

    /** Spring's own lookup, without the index or the shortcut: what the tests compare this lookup with. */
    HandlerMethod springLookup(String lookupPath, HttpServletRequest request) throws Exception {
        return super.lookupHandlerMethod(lookupPath, request);
    }

    /**
     * The handler when exactly one registered mapping matches the request, as Spring's lookup would choose it; null
     * when none or several do (Spring's lookup then orders them, or works out 404, 405, 406 or 415). One match of all
     * mappings is Spring's answer whether it has a direct path or not, and needs no ordering. Only the mappings the
     * {@link PathIndex} gives for the path are checked: no other one can match it.
     */
    private HandlerMethod onlyMatch(String path, String lookupPath, HttpServletRequest request) {
        RequestMappingInfo match = null;
        HandlerMethod handler = null;
        for (List<PathIndex.Candidate> candidates : index.candidates(path)) {
            for (PathIndex.Candidate candidate : candidates) {
                if (candidate.mayMatch(path)) {
                    RequestMappingInfo matching = super.getMatchingMapping(candidate.info(), request);
                    if (matching != null) {
                        if (match != null) {
                            return null;
                        }
                        match = matching;
                        handler = candidate.handler();
                    }
                }
            }
        }
        if (match == null) {
            return null;
        }
        request.setAttribute(BEST_MATCHING_HANDLER_ATTRIBUTE, handler);
        handleMatch(match, lookupPath, request);
        return handler;
    }

    @Override
    protected RequestMappingInfo getMatchingMapping(RequestMappingInfo info, HttpServletRequest request) {
        String path = PATH.isBound() ? PATH.get() : null;
        if (path != null && !mayMatch(info.getPathPatternsCondition(), path)) {
            return null;
        }
        return super.getMatchingMapping(info, request);
    }

    /** The path within the application when it compares literally with patterns: no escapes, no parameters. */
    private String plainPath(HttpServletRequest request) {
        PathPatternParser parser = getPatternParser();
        if (parser == null || !parser.isCaseSensitive() || parser.getPathOptions().separator() != '/'
                || !ServletRequestPathUtils.hasParsedRequestPath(request)) {
            return null;
        }
        String path = ServletRequestPathUtils.getParsedRequestPath(request).pathWithinApplication().value();
        return path.indexOf('%') < 0 && path.indexOf(';') < 0 ? path : null;
    }

    /** False only when the mapping has path patterns and none of them can match {@code path}. */
    private static boolean mayMatch(PathPatternsRequestCondition condition, String path) {
        if (condition == null || condition.isEmptyPathMapping()) {
            return true;
        }
        if (condition.getPatterns().size() == 1) { // as Spring does, without an iterator per mapping
            return mayMatch(condition.getFirstPattern().getPatternString(), path);
        }
        for (PathPattern pattern : condition.getPatterns()) {
            if (mayMatch(pattern.getPatternString(), path)) {
                return true;
            }
        }
        return false;
    }

    /**
     * False when {@code path} cannot match {@code pattern}: a segment of the pattern that is all literal differs from
     * the path's segment in the same place ({@code /api/v1/sites/1} and {@code /api/v1/devices/{id}},
     * {@code /api/v1/devices/1/events} and {@code /api/v1/devices/{id}/shadow}), or the pattern has no wildcard that
     * spans segments (<code>**</code>, <code>{*name}</code>) and the two have a different number of segments
     * ({@code /api/v1/devices/1} and {@code /api/v1/devices/{id}/events}). A segment with <code>{</code>,
     * <code>*</code> or <code>?</code> is left to Spring's check, as is everything from a wildcard that spans
     * segments on ({@code /app/**} matches {@code /app}). Spring's patterns match one path segment per segment,
     * separators included (there is no optional trailing separator since Spring Framework 7), so this never rejects a
     * path that Spring matches. No allocation.
     */
    static boolean mayMatch(String pattern, String path) {
        int n = pattern.length();
        int m = path.length();
        int p = 0; // start of the current segment of the pattern
        int q = 0; // start of the current segment of the path
        while (true) {
            int pe = p;
            int depth = 0; // a variable's regular expression may hold '/' and braces
            boolean literal = true;
            for (char c; pe < n && ((c = pattern.charAt(pe)) != '/' || depth > 0); pe++) {
                if (c == '{') {
                    depth++;
                } else if (c == '}') {
                    depth--;
                }
                if (special(c)) {
                    literal = false;
                }
            }
            if (!literal && spansSegments(pattern, p, pe)) {
                return true;
            }
            int qe = path.indexOf('/', q);
            if (qe < 0) {
                qe = m;
            }
            if (literal && (pe - p != qe - q || !pattern.regionMatches(p, path, q, pe - p))) {
                return false;
            }
            if (pe == n || qe == m) { // a wildcard spanning segments also matches none: /app/** matches /app
                return qe == m && (pe == n || spansSegments(pattern, pe, n));
            }
            p = pe + 1;
            q = qe + 1;
        }
    }

    /** Whether the pattern's segment {@code [from, to)} holds <code>**</code> or <code>{*</code>. */
    private static boolean spansSegments(String pattern, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            char c = pattern.charAt(i);
            char before = pattern.charAt(i - 1);
            if (c == '*' && (before == '*' || before == '{')) {
                return true;
            }
        }
        return false;
    }

    private static boolean special(char c) {
        return c == '{' || c == '*' || c == '?';
    }

    /** Installs the lookup in place of Spring Boot's default {@link RequestMappingHandlerMapping}. */
    @Configuration(proxyBeanMethods = false)
    static class Registration implements WebMvcRegistrations {
        @Override
        public RequestMappingHandlerMapping getRequestMappingHandlerMapping() {
            return new PathFirstHandlerMapping();
        }
    }
}
