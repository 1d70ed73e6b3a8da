package io.fleetkeeper.deviceapi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.deviceapi.DeviceApiProperties.TlsImplementation;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.CommandLineTls;
import io.fleetkeeper.testing.TlsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The device listener's generated server certificate re-issued in place (as before it expires): new handshakes get
 * the new certificate, a connection opened before keeps the old one and goes on serving.
 */
class ServerCertificateReloadTests extends ApiTest {

    @Autowired
    DeviceConnector connector;

    @Test
    void aReissuedCertificateServesNewHandshakesAndOpenConnectionsGoOn() throws Exception {
        // on OpenSSL where it loads (a new native context for the new certificate), else on JSSE
        assertThat(connector.tlsImplementation()).isEqualTo(
                CommandLineTls.libsslLoads() ? TlsImplementation.OPENSSL : TlsImplementation.JSSE);
        X509Certificate platformCa = TlsClient.parse(api.get(null, "/pki/v1/platform/ca.pem").body()).get(0);
        try (HttpClient before = client(platformCa)) {
            X509Certificate first = serverCertificate(before);

            connector.reissueServerCertificate();

            try (HttpClient after = client(platformCa)) {
                X509Certificate second = serverCertificate(after);
                assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
                assertThat(second.getIssuerX500Principal()).isEqualTo(platformCa.getSubjectX500Principal());
                assertThat(second.getSubjectX500Principal()).isEqualTo(first.getSubjectX500Principal());
            }
            // the kept-alive connection from before: still served, still the handshake it had
            assertThat(serverCertificate(before)).isEqualTo(first);
        }
    }

    /** A device-side request (401: no credential) and the server certificate of the connection it went over. */
    private X509Certificate serverCertificate(HttpClient client) throws Exception {
        HttpResponse<String> reply = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + connector.port() + "/device/v1/certificates/rotation")).timeout(Duration.ofSeconds(20)).build(),
                BodyHandlers.ofString());
        assertThat(reply.statusCode()).isEqualTo(401);
        return (X509Certificate) reply.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    private static HttpClient client(X509Certificate trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("platform", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }
}
