package io.fleetkeeper.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Configuration;
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
 * chain for headers and attributes before the path rejects all but one. Here a mapping is rejected first when the
 * request path differs from its patterns in the literal segments they begin with (before the first <code>{</code>,
 * <code>*</code> or <code>?</code>): a comparison of two strings, without allocation. Every other mapping
 * goes through Spring's own check unchanged, so the answer is the same, as are 404, 405 and 415, which Spring works
 * out apart from this check. Paths with percent-encoding or matrix parameters, whose segments Spring compares
 * decoded, go through Spring's check alone.
 */
final class PathFirstHandlerMapping extends RequestMappingHandlerMapping {

    private static final ScopedValue<String> PATH = ScopedValue.newInstance();

    @Override
    protected HandlerMethod lookupHandlerMethod(String lookupPath, HttpServletRequest request) throws Exception {
        String path = plainPath(request);
        if (path == null) {
            return super.lookupHandlerMethod(lookupPath, request);
        }
        return ScopedValue.where(PATH, path).call(() -> super.lookupHandlerMethod(lookupPath, request));
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
     * False when {@code path} differs from {@code pattern} in a segment of the pattern that is all literal, before
     * any variable or wildcard: {@code /api/v1/sites/1} cannot match {@code /api/v1/devices/{id}}. True otherwise,
     * including whenever the first difference falls in a segment with <code>{</code>, <code>*</code> or
     * <code>?</code> ({@code /app/**} matches {@code /app}); Spring's own check decides those.
     */
    static boolean mayMatch(String pattern, String path) {
        int n = pattern.length();
        for (int i = 0; i < n; i++) {
            char c = pattern.charAt(i);
            if (special(c)) {
                return true;
            }
            if (i < path.length() && path.charAt(i) == c) {
                continue;
            }
            int end = pattern.indexOf('/', c == '/' ? i + 1 : i);
            for (int j = i; j < (end < 0 ? n : end); j++) {
                if (special(pattern.charAt(j))) {
                    return true;
                }
            }
            return false;
        }
        return true;
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
