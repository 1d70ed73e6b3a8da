package io.fleetkeeper.tenancy.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Role checks for every API handler, and {@link Caller} as a handler argument. Operator endpoints need
 * a platform credential; tenant endpoints need a tenant credential whose role covers the handler's.
 */
@Configuration(proxyBeanMethods = false)
class AccessConfiguration implements WebMvcConfigurer {

    static {
        // resolved from the credential, not from the request: no parameter in the OpenAPI document
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new RoleInterceptor()).addPathPatterns("/api/**")
                .excludePathPatterns("/api/v1/devices/register", "/api/v1/internal/**");
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new CallerResolver());
    }

    static Role required(HttpServletRequest request, HandlerMethod handler) {
        if (request.getRequestURI().startsWith("/api/v1/operator/")) {
            return Role.PLATFORM;
        }
        RequiresRole explicit = handler.getMethodAnnotation(RequiresRole.class);
        if (explicit != null) {
            return explicit.value();
        }
        String method = request.getMethod();
        return method.equals("GET") || method.equals("HEAD") ? Role.VIEWER : Role.OPERATOR;
    }

    private static final class RoleInterceptor implements HandlerInterceptor {
        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            if (!(handler instanceof HandlerMethod method)) {
                return true;
            }
            Caller caller = (Caller) request.getAttribute(AuthenticationFilter.CALLER);
            if (caller == null) {
                throw new ApiException(ErrorCode.UNAUTHENTICATED, "authentication required");
            }
            Role needed = required(request, method);
            if (!caller.role().covers(needed)) {
                String why = needed == Role.PLATFORM ? "this endpoint needs a platform operator credential"
                        : caller.isPlatform() ? "platform credentials act only on /api/v1/operator/ endpoints"
                        : "this action needs the " + needed.wire() + " role";
                throw new ApiException(ErrorCode.FORBIDDEN, why);
            }
            return true;
        }
    }

    private static final class CallerResolver implements HandlerMethodArgumentResolver {
        @Override
        public boolean supportsParameter(MethodParameter parameter) {
            return parameter.getParameterType() == Caller.class;
        }

        @Override
        public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest request,
                WebDataBinderFactory binders) {
            Object caller = request.getAttribute(AuthenticationFilter.CALLER, NativeWebRequest.SCOPE_REQUEST);
            if (caller == null) {
                throw new ApiException(ErrorCode.UNAUTHENTICATED, "authentication required");
            }
            return caller;
        }
    }
}
