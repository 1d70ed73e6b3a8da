package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.testing.TlsClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code fleetkeeper.device-api.address} binds the device listener to one local address only: here the
 * loopback alias 127.0.0.2, so the listener answers there and 127.0.0.1 finds nothing on its port.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "fleetkeeper.device-api.address=127.0.0.2", "fleetkeeper.mqtt.port=-1",
        "fleetkeeper.jobs.runner-enabled=false"})
class DeviceListenerAddressTest {

    @Autowired
    DeviceListener listener;
    @LocalServerPort
    int managementPort;

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry r) throws IOException {
        String dir = Files.createTempDirectory("fk-device-address").toString();
        r.add("fleetkeeper.db.data-dir", () -> dir);
    }

    @Test
    void deviceListenerBindsTheConfiguredAddressOnly() throws Exception {
        X509Certificate platformCa = TlsClient.parse(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + managementPort + "/pki/v1/platform/ca.pem")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get(0);

        try (SSLSocket tls = (SSLSocket) trusting(platformCa).getSocketFactory().createSocket("127.0.0.2",
                listener.port())) {
            tls.startHandshake();
            X509Certificate server = (X509Certificate) tls.getSession().getPeerCertificates()[0];
            assertThat(server.getIssuerX500Principal()).isEqualTo(platformCa.getSubjectX500Principal());
        }
        assertThatThrownBy(() -> {
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress("127.0.0.1", listener.port()), 2_000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    private static SSLContext trusting(X509Certificate ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("platform", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
