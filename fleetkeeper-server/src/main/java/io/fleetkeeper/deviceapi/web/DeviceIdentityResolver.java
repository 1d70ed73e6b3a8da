package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.Refusal.Reason;
import io.fleetkeeper.credentials.Refusal;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * A handler parameter of type {@link AuthenticatedDevice} requires a device authenticated by its client
 * certificate; without one the request is refused: 401 {@code UNAUTHENTICATED} with a
 * {@code WWW-Authenticate} challenge (no, unknown, revoked, superseded or expired certificate), 401
 * {@code TENANT_SUSPENDED}, or 403 {@code FORBIDDEN} (suspended or decommissioned device). A parameter
 * annotated {@code @RequestAttribute(required = false)} receives the identity when there is one.
 */
@Configuration(proxyBeanMethods = false)
class DeviceIdentityResolver implements WebMvcConfigurer, HandlerMethodArgumentResolver {

    static final String CHALLENGE = "TLS-Client-Certificate realm=\"fleetkeeper-devices\"";

    static {
        // The authenticated device is resolved from the TLS connection, never a request parameter.
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(AuthenticatedDevice.class, DeviceCertificate.class);
    }
    private static final Logger log = LoggerFactory.getLogger(DeviceIdentityResolver.class);

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == DeviceCertificate.class
                || (parameter.getParameterType() == AuthenticatedDevice.class
                        && !parameter.hasParameterAnnotation(RequestAttribute.class));
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest request,
            WebDataBinderFactory binders) {
        if (parameter.getParameterType() == DeviceCertificate.class) { // looked up when the handler asks
            return new DeviceCertificate(() -> request.getAttribute(AuthenticatedDevice.ATTRIBUTE,
                    NativeWebRequest.SCOPE_REQUEST) instanceof AuthenticatedDevice d ? d : null);
        }
        Object identity = request.getAttribute(AuthenticatedDevice.ATTRIBUTE, NativeWebRequest.SCOPE_REQUEST);
        if (identity != null) {
            return identity;
        }
        Object rejection = request.getAttribute(DeviceAuthenticationFilter.REJECTION, NativeWebRequest.SCOPE_REQUEST);
        log.debug("device request {} rejected: {}", request.getDescription(false), rejection);
        throw refusal(rejection, request.getNativeResponse(HttpServletResponse.class));
    }

    /**
     * The answer to a request whose client certificate did not authenticate a device ({@code rejection} is the
     * request's {@link DeviceAuthenticationFilter#REJECTION} attribute; null: none was presented). Sets the
     * challenge header on {@code response} (may be null) unless the answer is 403.
     */
    static ApiException refusal(Object rejection, HttpServletResponse response) {
        Refusal rejected = rejection instanceof Refusal r ? r
                : new Refusal(Reason.NO_CREDENTIAL, "this endpoint needs a device client certificate");
        ErrorCode code = switch (rejected.reason()) {
            case DEVICE_SUSPENDED, DEVICE_DECOMMISSIONED -> ErrorCode.FORBIDDEN;
            case TENANT_SUSPENDED -> ErrorCode.TENANT_SUSPENDED;
            default -> ErrorCode.UNAUTHENTICATED;
        };
        if (code != ErrorCode.FORBIDDEN && response != null) {
            response.setHeader("WWW-Authenticate", CHALLENGE);
        }
        return new ApiException(code, rejected.detail());
    }
}
