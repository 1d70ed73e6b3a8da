package io.fleetkeeper.deviceapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Csrs;
import io.fleetkeeper.testing.DevicePort;
import io.fleetkeeper.testing.MqttDevices;
import io.fleetkeeper.testing.MqttDevices.CertDevice;
import io.fleetkeeper.testing.Reply;
import io.fleetkeeper.testing.TestTenant;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Behind a TLS-terminating proxy: the test server trusts 127.0.0.1 (and 10.1.2.3/32, which sends nothing) as a
 * proxy. The "proxy" here connects to the device listener over TLS without a client certificate of its own and
 * forwards the device's certificate in {@code Client-Cert}/{@code Client-Cert-Chain} (RFC 9440) or
 * {@code X-SSL-Client-Cert} (nginx); the same headers from 127.0.0.2 are not read at all.
 */
class ForwardedClientCertificateTests extends ApiTest {

    @Autowired
    DeviceListener listener;

    private MqttDevices devices;
    private TestTenant tenant;
    private CertDevice device;
    private DevicePort proxy;

    @BeforeEach
    void setUp() throws Exception {
        devices = new MqttDevices(api);
        tenant = newTenant();
        devices.cas(tenant);
        device = devices.certDevice(tenant, "behind-the-lb");
        proxy = new DevicePort(api, listener.port());
    }

    @Test
    void aCertificateForwardedInClientCertByATrustedProxyAuthenticatesTheDevice() throws Exception {
        shadow(proxy, Map.of()).expectProblem(401, "UNAUTHENTICATED");
        // authenticated: the device has no shadow yet
        shadow(proxy, rfc9440(device.chain())).expectProblem(404, "NOT_FOUND");
        shadow(proxy, Map.of("Client-Cert", byteSequence(device.chain()[0]))).expectProblem(404, "NOT_FOUND");
    }

    @Test
    void renewalThroughTheProxyIssuesTheForwardedDevicesNextCertificate() throws Exception {
        String renewed = proxy.call("POST", "/device/v1/certificates/renew", rfc9440(device.chain()),
                Map.of("csr", Csrs.csrPem(Csrs.p256()))).expect(200).path("certificate_id").asString();
        assertThat(api.get(tenant.admin(), "/api/v1/certificates/" + renewed).expect(200).path("device_id")
                .asString()).isEqualTo(device.id());
    }

    @Test
    void xSslClientCertWithPercentEncodedPemOrBase64DerAuthenticatesTheDevice() throws Exception {
        shadow(proxy, Map.of("X-SSL-Client-Cert", nginxEscaped(device.chain()[0]))).expectProblem(404, "NOT_FOUND");
        shadow(proxy, Map.of("X-SSL-Client-Cert",
                Base64.getEncoder().encodeToString(device.chain()[0].getEncoded()))).expectProblem(404, "NOT_FOUND");
        // nginx sends the header empty when the client presented no certificate
        shadow(proxy, Map.of("X-SSL-Client-Cert", "")).expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void forwardedHeadersFromAnUntrustedAddressAreIgnored() throws Exception {
        DevicePortFrom elsewhere = new DevicePortFrom(InetAddress.ofLiteral("127.0.0.2"));
        elsewhere.get("/device/v1/shadow", rfc9440(device.chain())).expectProblem(401, "UNAUTHENTICATED");
        elsewhere.get("/device/v1/shadow", Map.of("X-SSL-Client-Cert", nginxEscaped(device.chain()[0])))
                .expectProblem(401, "UNAUTHENTICATED");
        // not even read: a malformed header changes nothing either
        elsewhere.get("/device/v1/shadow", Map.of("Client-Cert", "garbage")).expectProblem(401, "UNAUTHENTICATED");
    }

    @Test
    void aMalformedForwardedCertificateIsABadRequest() throws Exception {
        shadow(proxy, Map.of("Client-Cert", "garbage")).expectProblem(400, "MALFORMED_REQUEST");
        shadow(proxy, Map.of("Client-Cert", ":not base64!:")).expectProblem(400, "MALFORMED_REQUEST");
        shadow(proxy, Map.of("Client-Cert", ":" + Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}) + ":"))
                .expectProblem(400, "MALFORMED_REQUEST");
        shadow(proxy, Map.of("Client-Cert-Chain", byteSequence(device.chain()[1])))
                .expectProblem(400, "MALFORMED_REQUEST");
        shadow(proxy, Map.of("X-SSL-Client-Cert", "-----BEGIN%20CERTIFICATE-----%0Agarbage%0A"))
                .expectProblem(400, "MALFORMED_REQUEST");
    }

    @Test
    void aRevokedCertificateForwardedIsRefusedAsOverTls() throws Exception {
        shadow(proxy, rfc9440(device.chain())).expectProblem(404, "NOT_FOUND");
        api.post(tenant.admin(), "/api/v1/certificates/" + device.certificateId() + "/revoke",
                Map.of("reason", "keyCompromise")).expect(200);
        shadow(proxy, rfc9440(device.chain())).expectProblem(401, "UNAUTHENTICATED");
        assertThat(new DevicePort(api, listener.port(), device.key(), device.chain())
                .call("GET", "/device/v1/shadow", Map.of(), null).status()).isEqualTo(401);
    }

    private static Reply shadow(DevicePort port, Map<String, String> headers) {
        return port.call("GET", "/device/v1/shadow", headers, null);
    }

    private static Map<String, String> rfc9440(X509Certificate[] chain) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Client-Cert", byteSequence(chain[0]));
        StringBuilder rest = new StringBuilder();
        for (int i = 1; i < chain.length; i++) {
            rest.append(i > 1 ? ", " : "").append(byteSequence(chain[i]));
        }
        headers.put("Client-Cert-Chain", rest.toString());
        return headers;
    }

    private static String byteSequence(X509Certificate certificate) throws Exception {
        return ":" + Base64.getEncoder().encodeToString(certificate.getEncoded()) + ":";
    }

    /** PEM escaped as nginx's {@code $ssl_client_escaped_cert} does (RFC 3986: a space is %20, a '+' %2B). */
    private static String nginxEscaped(X509Certificate certificate) throws Exception {
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A TLS client of the device listener without a client certificate, connecting from {@code source}. */
    private final class DevicePortFrom {
        private final HttpClient client;

        DevicePortFrom(InetAddress source) throws Exception {
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, devices.trustManagers().getTrustManagers(), null);
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
                    .localAddress(source).connectTimeout(Duration.ofSeconds(5)).build();
        }

        Reply get(String path, Map<String, String> headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + listener.port() + path))
                    .timeout(Duration.ofSeconds(30));
            headers.forEach(b::header);
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply("GET " + path + " from 127.0.0.2", r.statusCode(), r.headers(), r.body());
        }
    }
}
