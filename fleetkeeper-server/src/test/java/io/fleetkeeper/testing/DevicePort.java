package io.fleetkeeper.testing;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTPS client for the device listener, trusting the platform CA, with or without a client certificate. */
public final class DevicePort {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient client;
    private final URI base;
    private final SSLContext ssl;
    private final int port;

    public DevicePort(Api management, int devicePort) {
        this(management, devicePort, null, null);
    }

    /** Presents {@code chain} (leaf first) with {@code key} as its TLS client certificate. */
    public DevicePort(Api management, int devicePort, KeyPair key, X509Certificate[] chain) {
        try {
            String pem = management.call("GET", "/pki/v1/platform/ca.pem").send().body();
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("platform", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            ssl = SSLContext.getInstance("TLS");
            KeyManager[] keys = null;
            if (key != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("device", key.getPrivate(), new char[0], chain);
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
                keys = kmf.getKeyManagers();
            }
            ssl.init(keys, tmf.getTrustManagers(), null);
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            base = URI.create("https://localhost:" + devicePort);
            port = devicePort;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hand-written HTTP/1.1 over TLS, for requests no HTTP client sends. */
    public RawHttp raw() {
        return new RawHttp(() -> {
            try {
                return ssl.getSocketFactory().createSocket("localhost", port);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** Hand-written HTTP/1.1 over TLS on a TCP connection {@code tcp} opens (e.g. after a PROXY header). */
    public RawHttp raw(java.util.function.Supplier<java.net.Socket> tcp) {
        return new RawHttp(() -> {
            try {
                return ssl.getSocketFactory().createSocket(tcp.get(), "localhost", port, true);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** POSTs JSON with extra headers; returns the raw reply. */
    public Reply post(String path, Map<String, String> headers, Object body) {
        return call("POST", path, headers, body);
    }

    /** Any method, with extra headers and a JSON body (null: none); returns the raw reply. */
    public Reply call(String method, String path, Map<String, String> headers, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body instanceof String s ? s
                                    : JSON.writeValueAsString(body)));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            headers.forEach(b::header);
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(method + " " + path, r.statusCode(), r.headers(), r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** GETs {@code path} and answers the response as it arrives: close its body to break the transfer off. */
    public HttpResponse<java.io.InputStream> stream(String path, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET();
            headers.forEach(b::header);
            return client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
