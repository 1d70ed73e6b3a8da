package io.fleetkeeper.web;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.webmvc.actuate.endpoint.web.ControllerEndpointHandlerMapping;
import org.springframework.boot.webmvc.actuate.endpoint.web.WebMvcEndpointHandlerMapping;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.handler.AbstractHandlerMapping;

/**
 * Looks up the actuator's endpoints ({@code /actuator/...}) after the application's handlers instead of before.
 * Spring Boot orders its endpoint mappings first (-100), so every API request went through their lookup, which
 * fails for it (a few per cent of the server's CPU per GET). The order does not change any answer: the endpoints
 * match nothing outside the actuator's base path, and no application mapping matches a path under it
 * ({@code RoutingTests} checks both); they still come before the welcome page (2) and the static resources.
 */
@Configuration(proxyBeanMethods = false)
class ActuatorMappingOrder {

    /** After the application's {@code RequestMappingHandlerMapping} (0), before the welcome page's mapping (2). */
    static final int ORDER = 1;

    @Bean
    static BeanPostProcessor actuatorMappingsAfterTheApplications() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof WebMvcEndpointHandlerMapping || bean instanceof ControllerEndpointHandlerMapping) {
                    ((AbstractHandlerMapping) bean).setOrder(ORDER);
                }
                return bean;
            }
        };
    }
}
