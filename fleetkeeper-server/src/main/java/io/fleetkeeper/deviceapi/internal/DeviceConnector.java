package io.fleetkeeper.deviceapi.internal;

import io.fleetkeeper.credentials.AcceptAnyClientCertificate;
import io.fleetkeeper.deviceapi.DeviceApiProperties;
import io.fleetkeeper.deviceapi.DeviceApiProperties.TlsImplementation;
import io.fleetkeeper.deviceapi.DeviceListener;
import io.fleetkeeper.pki.PlatformCa;
import io.fleetkeeper.pki.PlatformCa.ServerIdentity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.util.NetMask;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.util.threads.VirtualThreadExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.thread.Threading;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Adds the device listener to the embedded Tomcat: a second connector with TLS 1.2/1.3 that requests a
 * client certificate but does not require one ({@code optional_no_ca}: any certificate passes the
 * handshake, {@link io.fleetkeeper.credentials.DeviceCredentials} decides per request). Its server
 * key lives only in memory: a fresh key and certificate from the {@link PlatformCa} at every start,
 * re-issued in place when a third of its validity remains, unless a key store is configured. Behind a TCP load
 * balancer it reads the PROXY protocol from the listed balancers ({@link ProxyProtocolEndpoint}). Its TLS is the
 * system's OpenSSL through Tomcat's foreign-function binding when it loads, else the JDK's ({@link NativeTls});
 * both take the same configuration, trust manager included.
 */
@Component
class DeviceConnector implements DeviceListener, WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    private static final Logger log = LoggerFactory.getLogger(DeviceConnector.class);
    private static final String ALIAS = "device-api";

    private final DeviceApiProperties props;
    private final PlatformCa platformCa;
    private final Environment environment;
    private final Clock clock;
    private final String password = HexFormat.of().formatHex(randomBytes());
    private volatile Connector connector;
    private volatile SSLHostConfigCertificate generated;
    private volatile Instant renewAfter = Instant.MAX;
    private volatile int boundPort = -1;
    private volatile SSLHostConfig hostConfig;

    DeviceConnector(DeviceApiProperties props, PlatformCa platformCa, Environment environment, Clock clock) {
        this.props = props;
        this.platformCa = platformCa;
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        if (!props.enabled()) {
            log.info("Device listener disabled (fleetkeeper.device-api.port < 0)");
            return;
        }
        List<NetMask> proxies = proxyProtocolFrom(props.proxyProtocolFrom());
        ProxyProtocolEndpoint proxied = proxies.isEmpty() ? null : new ProxyProtocolEndpoint(proxies);
        Connector c = proxied == null ? new Connector(Http11NioProtocol.class.getName())
                : new Connector(new Http11NioProtocol(proxied));
        if (proxied != null) {
            factory.addEngineValves(new ProxyProtocolValve(c, proxied));
            log.info("Device listener: connections from {} start with a PROXY protocol header", proxies);
        }
        c.setPort(props.port());
        if (!props.address().isBlank()) {
            try {
                ((Http11NioProtocol) c.getProtocolHandler()).setAddress(InetAddress.getByName(props.address().trim()));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("fleetkeeper.device-api.address: unknown host '"
                        + props.address() + "'", e);
            }
        }
        c.setScheme("https");
        c.setSecure(true);
        c.setThrowOnFailure(true);
        Http11NioProtocol protocol = (Http11NioProtocol) c.getProtocolHandler();
        if (Threading.VIRTUAL.isActive(environment)) {
            protocol.setExecutor(new VirtualThreadExecutor("device-api-"));
        }
        protocol.setSSLEnabled(true);
        NativeTls.Choice tls = NativeTls.choose(props.tlsImplementation(), NativeTls::probe);
        // Named in both cases: Tomcat would otherwise pick OpenSSL by itself once any connector has loaded it.
        protocol.setSslImplementationName(tls.className());
        if (props.tlsImplementation() == TlsImplementation.AUTO && tls.implementation() == TlsImplementation.JSSE) {
            log.warn("Device listener TLS: {}", tls.description());
        } else {
            log.info("Device listener TLS: {}", tls.description());
        }
        SSLHostConfig ssl = new SSLHostConfig();
        ssl.setProtocols("TLSv1.2+TLSv1.3");
        ssl.setCertificateVerification("optional_no_ca");
        ssl.setTrustManagerClassName(AcceptAnyClientCertificate.class.getName());
        SSLHostConfigCertificate cert = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.UNDEFINED);
        if (props.keyStore().isBlank()) {
            cert.setCertificateKeystore(issueKeyStore());
            cert.setCertificateKeystorePassword(password);
            cert.setCertificateKeyAlias(ALIAS);
            generated = cert;
        } else {
            cert.setCertificateKeystoreFile(Path.of(props.keyStore()).toAbsolutePath().toString());
            cert.setCertificateKeystorePassword(props.keyStorePassword());
            cert.setCertificateKeystoreType(props.keyStoreType());
            if (!props.keyAlias().isBlank()) {
                cert.setCertificateKeyAlias(props.keyAlias());
            }
        }
        ssl.addCertificate(cert);
        protocol.addSslHostConfig(ssl);
        hostConfig = ssl;
        factory.addAdditionalConnectors(c);
        connector = c;
    }

    private static List<NetMask> proxyProtocolFrom(List<String> from) {
        return from.stream().map(String::strip).filter(p -> !p.isEmpty()).map(p -> {
            try {
                return new NetMask(p);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("fleetkeeper.device-api.proxy-protocol-from: '" + p
                        + "' is not an IP address or CIDR block", e);
            }
        }).toList();
    }

    @Override
    public int port() {
        int p = boundPort;
        if (p > 0) {
            return p;
        }
        Connector c = connector;
        if (c == null) {
            return -1;
        }
        p = c.getLocalPort();
        if (p > 0) {
            boundPort = p;
        }
        return p;
    }

    @Override
    public TlsImplementation tlsImplementation() {
        SSLHostConfig ssl = hostConfig;
        if (ssl == null) {
            return null;
        }
        // What runs, not what was asked for: Tomcat records the native context of an OpenSSL host config only (0 else).
        Long openSsl = ssl.getOpenSslContext();
        return openSsl != null && openSsl != 0 ? TlsImplementation.OPENSSL : TlsImplementation.JSSE;
    }

    /** Re-issues the generated server certificate before it expires, without dropping connections. */
    @Scheduled(initialDelay = 1, fixedDelay = 1, timeUnit = TimeUnit.HOURS)
    void renewServerCertificate() {
        if (!clock.instant().isBefore(renewAfter)) {
            reissueServerCertificate();
        }
    }

    /**
     * Issues a new generated server certificate and swaps it in: new handshakes get it, open connections keep theirs.
     * Does nothing with a configured key store.
     */
    void reissueServerCertificate() {
        SSLHostConfigCertificate cert = generated;
        Connector c = connector;
        if (cert == null || c == null) {
            return;
        }
        cert.setCertificateKeystore(issueKeyStore());
        ((Http11NioProtocol) c.getProtocolHandler()).reloadSslHostConfigs();
        log.info("Device listener: server certificate re-issued");
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private KeyStore issueKeyStore() {
        Duration validity = Duration.ofDays(props.serverCertificateDays());
        ServerIdentity id = platformCa.issueServerCertificate(props.serverNames(), validity);
        Instant notAfter = id.certificate().getNotAfter().toInstant();
        renewAfter = notAfter.minus(Duration.between(id.certificate().getNotBefore().toInstant(), notAfter)
                .dividedBy(3));
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, id.key(), password.toCharArray(), id.chain());
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the device listener's key store", e);
        }
    }
}
