package io.fleetkeeper.web;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat settings every connector needs: OCSP over GET (RFC 6960 appendix A) puts URL-encoded base64
 * in the path, whose {@code /} arrives as {@code %2F}; Tomcat rejects that unless told to pass it through.
 * Errors Tomcat answers itself (before Spring MVC) are rendered by {@link ProblemErrorReportValve}, on the
 * host that both listeners share.
 */
@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashes() {
        return factory -> factory.addConnectorCustomizers(c -> c.setEncodedSolidusHandling("passthrough"));
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports(JsonMapper json) {
        return factory -> factory.addContextCustomizers(context -> {
            if (!(context.getParent() instanceof StandardHost host)) {
                throw new IllegalStateException("the Tomcat context has no host to install the error valve on");
            }
            // The host adds Tomcat's HTML valve on start unless one of the configured class is present.
            host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            host.getPipeline().addValve(new ProblemErrorReportValve(json));
        });
    }
}
