package io.fleetkeeper.web;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * CORS for the management API: closed (no {@code Access-Control-*} header, preflights refused by the
 * authentication filter) unless {@code fleetkeeper.api.cors-origins} lists origins. Then a filter ahead of
 * authentication answers their preflights and marks their responses; cookies are never allowed cross-origin
 * (the API authenticates with bearer tokens), and the console under {@code /app} is never opened.
 */
@Configuration(proxyBeanMethods = false)
class ApiCors {

    @Bean
    FilterRegistrationBean<CorsFilter> apiCorsFilter(ApiProperties properties) {
        List<String> origins = properties.corsOrigins().stream().map(String::strip).filter(o -> !o.isEmpty()).toList();
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        if (!origins.isEmpty()) {
            CorsConfiguration config = new CorsConfiguration();
            config.setAllowedOrigins(origins);
            config.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"));
            config.setAllowedHeaders(List.of("Authorization", "Content-Type", "If-Match", "If-None-Match",
                    "X-Request-Id"));
            config.setExposedHeaders(List.of("ETag", "Location", "X-Request-Id", "Retry-After"));
            config.setAllowCredentials(false);
            config.setMaxAge(Duration.ofHours(1));
            source.registerCorsConfiguration("/api/**", config);
        }
        FilterRegistrationBean<CorsFilter> bean = new FilterRegistrationBean<>(new CorsFilter(source));
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE + 7);
        bean.setEnabled(!origins.isEmpty());
        return bean;
    }
}
