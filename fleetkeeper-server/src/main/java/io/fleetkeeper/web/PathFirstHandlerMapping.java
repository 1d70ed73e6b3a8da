package io.fleetkeeper.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.PathContainer;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Spring MVC's handler lookup with the path tried first. A path with a variable ({@code /devices/{id}}) has no
 * direct entry, so Spring checks every mapping of the application (several hundred here) in the order method,
 * parameters, headers, consumes, produces, path: each of the first five walks the request wrappers of the filter
 * chain for headers and attributes before the path rejects all but one. Here a mapping whose path patterns cannot
 * match the request is rejected first, against the request path parsed once per lookup; every other mapping goes
 * through Spring's own check unchanged. The answer is the same (a mapping whose path does not match never
 * matches), as are 404, 405 and 415, which Spring works out apart from this check.
 */
final class PathFirstHandlerMapping extends RequestMappingHandlerMapping {

    private static final ScopedValue<PathContainer> PATH = ScopedValue.newInstance();

    @Override
    protected HandlerMethod lookupHandlerMethod(String lookupPath, HttpServletRequest request) throws Exception {
        if (!ServletRequestPathUtils.hasParsedRequestPath(request)) {
            return super.lookupHandlerMethod(lookupPath, request);
        }
        PathContainer path = ServletRequestPathUtils.getParsedRequestPath(request).pathWithinApplication();
        return ScopedValue.where(PATH, path).call(() -> super.lookupHandlerMethod(lookupPath, request));
    }

    @Override
    protected RequestMappingInfo getMatchingMapping(RequestMappingInfo info, HttpServletRequest request) {
        if (PATH.isBound() && !pathMayMatch(info.getPathPatternsCondition(), PATH.get())) {
            return null;
        }
        return super.getMatchingMapping(info, request);
    }

    /** False only when the mapping has path patterns and none matches {@code path}. */
    private static boolean pathMayMatch(PathPatternsRequestCondition condition, PathContainer path) {
        if (condition == null || condition.isEmptyPathMapping()) {
            return true;
        }
        for (PathPattern pattern : condition.getPatterns()) {
            if (pattern.matches(path)) {
                return true;
            }
        }
        return false;
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
