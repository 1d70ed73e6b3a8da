package io.fleetkeeper.pki;

import java.net.URI;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The base of the CRL and OCSP URLs written into certificates: {@code fleetkeeper.pki.public-base-url}
 * when set, otherwise {@code http://<first device-API server name>:<management port>}, the port read
 * from the running web server once it has started (so a random or changed port is the one written).
 */
@Component
class PublicBaseUrl {

    private static final Logger log = LoggerFactory.getLogger(PublicBaseUrl.class);
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

    private final String configured;
    private final List<String> serverNames;
    private final Environment env;
    private volatile String derived;

    PublicBaseUrl(PkiProperties props, Environment env) {
        this.configured = stripSlash(props.publicBaseUrl().strip());
        // Read by name: the device API feature owns the setting and depends on this one, not the reverse.
        this.serverNames = Binder.get(env).bind("fleetkeeper.device-api.server-names", Bindable.listOf(String.class))
                .orElse(List.of());
        this.env = env;
    }

    /** The base URL to write into a certificate now. */
    String get() {
        if (!configured.isEmpty()) {
            return configured;
        }
        String d = derived;
        return d != null ? d : base(env.getProperty("server.port", Integer.class, 8080));
    }

    @EventListener
    void started(WebServerInitializedEvent event) {
        if (event.getApplicationContext().getServerNamespace() != null) {
            return; // a child context (e.g. a separate actuator port), not the management API
        }
        derived = base(event.getWebServer().getPort());
        String effective = get();
        List<String> others = serverNames.stream().filter(n -> !LOOPBACK.contains(n)).toList();
        if (!others.isEmpty() && LOOPBACK.contains(hostOf(effective))) {
            log.warn("CRL and OCSP URLs in certificates will point at {} although the device API serves {}; set "
                    + "fleetkeeper.pki.public-base-url to the address devices reach the management port at",
                    effective, others);
        } else {
            log.info("CRL and OCSP URLs in certificates are based on {}", effective);
        }
    }

    private String base(int port) {
        String host = serverNames.isEmpty() ? "localhost" : serverNames.get(0);
        if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]"; // an IPv6 literal
        }
        return "http://" + host + ":" + port;
    }

    private static String hostOf(String url) {
        String host = URI.create(url).getHost();
        return host == null ? "" : host;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
