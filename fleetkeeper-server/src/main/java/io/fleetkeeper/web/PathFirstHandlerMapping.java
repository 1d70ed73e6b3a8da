package io.fleetkeeper.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * request path does not start with the literal segments its patterns begin with (what comes before the first
 * <code>{</code>, <code>*</code> or <code>?</code>): a string comparison, without allocation. Every other mapping
 * goes through Spring's own check unchanged, so the answer is the same, as are 404, 405 and 415, which Spring works
 * out apart from this check. Paths with percent-encoding or matrix parameters, whose segments Spring compares
 * decoded, go through Spring's check alone.
 */
final class PathFirstHandlerMapping extends RequestMappingHandlerMapping {

    private static final ScopedValue<String> PATH = ScopedValue.newInstance();

    /** Literal prefix of each pattern string, by the pattern string (the same instance every time). */
    private final Map<String, String> prefixes = new ConcurrentHashMap<>();

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
        if (PATH.isBound() && !mayMatch(info.getPathPatternsCondition(), PATH.get())) {
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

    /** False only when the mapping has path patterns and {@code path} starts with the prefix of none. */
    private boolean mayMatch(PathPatternsRequestCondition condition, String path) {
        if (condition == null || condition.isEmptyPathMapping()) {
            return true;
        }
        for (PathPattern pattern : condition.getPatterns()) {
            if (path.startsWith(prefixes.computeIfAbsent(pattern.getPatternString(), PathFirstHandlerMapping::prefix))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The whole literal segments a pattern begins with, without the separator after them: {@code /api/v1/devices}
     * for {@code /api/v1/devices/{id}}, and for {@code /app/**}, which also matches {@code /app}, {@code /app}.
     */
    static String prefix(String pattern) {
        if (!pattern.startsWith("/")) {
            return "";
        }
        int special = pattern.length();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '{' || c == '*' || c == '?') {
                special = i;
                break;
            }
        }
        if (special == pattern.length()) {
            return pattern;
        }
        int separator = pattern.lastIndexOf('/', special);
        return separator <= 0 ? "" : pattern.substring(0, separator);
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
