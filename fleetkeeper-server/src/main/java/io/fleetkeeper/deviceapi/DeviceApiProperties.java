package io.fleetkeeper.deviceapi;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The device-facing HTTPS listener (EST and {@code /device/**}).
 *
 * @param port                  TLS port of the device listener (default 8443); 0 picks a free port (tests), -1
 *                              disables the listener
 * @param address               IP address or host name of the local interface to bind (default empty: every
 *                              interface)
 * @param serverNames           DNS names and IP addresses written into the generated server certificate's
 *                              subjectAltName (default {@code localhost, 127.0.0.1}); the first is also its CN
 * @param serverCertificateDays validity of the generated server certificate (default 90); it is issued by the
 *                              platform CA at every start and re-issued when less than a third remains
 * @param keyStore              path of a key store holding the server key and certificate chain to use instead of
 *                              a generated one (default empty: generate)
 * @param keyStorePassword      password of {@code key-store} and of its key
 * @param keyStoreType          type of {@code key-store} (default {@code PKCS12})
 * @param keyAlias              alias of the key in {@code key-store} (default empty: the first key)
 * @param trustedProxies        IP addresses and CIDR blocks of TLS-terminating proxies whose forwarded client
 *                              certificate ({@code Client-Cert} and {@code Client-Cert-Chain} of RFC 9440, or
 *                              {@code X-SSL-Client-Cert}) the device listener accepts (default empty: none; the
 *                              headers are ignored)
 * @param proxyProtocolFrom     IP addresses and CIDR blocks of TCP load balancers whose connections start with a
 *                              PROXY protocol header (v1 or v2) carrying the device's address (default empty:
 *                              none); a connection from a listed address without a valid header within 2 s is
 *                              closed
 * @param tlsImplementation     the TLS implementation of the listener (default {@code auto}): {@code openssl} is the
 *                              system's OpenSSL 3 ({@code libssl.so}) through Tomcat's foreign-function binding, and
 *                              the server does not start without it; {@code jsse} is the JDK's TLS; {@code auto} is
 *                              OpenSSL when it loads, else the JDK's. The choice is logged at start
 */
@ConfigurationProperties("fleetkeeper.device-api")
public record DeviceApiProperties(
        @DefaultValue("8443") int port,
        @DefaultValue("") String address,
        @DefaultValue({"localhost", "127.0.0.1"}) List<String> serverNames,
        @DefaultValue("90") int serverCertificateDays,
        @DefaultValue("") String keyStore,
        @DefaultValue("") String keyStorePassword,
        @DefaultValue("PKCS12") String keyStoreType,
        @DefaultValue("") String keyAlias,
        @DefaultValue List<String> trustedProxies,
        @DefaultValue List<String> proxyProtocolFrom,
        @DefaultValue("auto") TlsImplementation tlsImplementation) {

    /** Who runs the device listener's TLS. */
    public enum TlsImplementation {
        /** OpenSSL when it can be loaded, else JSSE. */
        AUTO,
        /** The system's OpenSSL 3 through Tomcat's foreign-function binding (several times cheaper handshakes). */
        OPENSSL,
        /** The JDK's TLS (JSSE). */
        JSSE
    }

    public boolean enabled() {
        return port >= 0;
    }
}
