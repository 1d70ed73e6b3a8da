package io.fleetkeeper.testing;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.est.ESTException;
import org.bouncycastle.est.ESTService;
import org.bouncycastle.est.EnrollmentResponse;
import org.bouncycastle.est.HttpAuth;
import org.bouncycastle.est.jcajce.JcaHttpAuthBuilder;
import org.bouncycastle.est.jcajce.JsseESTServiceBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A device talking to the device listener over real TLS, trusting only the platform CA as a device would,
 * and presenting a client {@link Credential} when it has one: BouncyCastle's EST client, or raw requests.
 */
public final class TlsClient {

    /** What a device presents over TLS: its key and its certificate chain, leaf first. */
    public record Credential(KeyPair key, X509Certificate... chain) {

        public X509Certificate leaf() {
            return chain[0];
        }
    }

    /** The outcome of an EST enrollment: the issued certificate, or the HTTP status of the refusal. */
    public record Enrolled(X509Certificate certificate, int status) {
    }

    private final X509Certificate platformCa;
    private final String authority;
    private final String host;

    public TlsClient(Api management, String host, int devicePort) {
        this.platformCa = parse(management.call("GET", "/pki/v1/platform/ca.pem").send().body()).get(0);
        this.host = host;
        this.authority = host + ":" + devicePort;
    }

    public TlsClient(Api management, int devicePort) {
        this(management, "localhost", devicePort);
    }

    /** BouncyCastle's EST client for {@code label} (null: none), presenting {@code client} (null: nothing). */
    public ESTService est(String label, Credential client) {
        try {
            JsseESTServiceBuilder b = new JsseESTServiceBuilder(authority, trustManager());
            if (client != null) {
                b.withKeyManagers(keyManagers(client));
            }
            if (label != null) {
                b.withLabel(label);
            }
            return b.build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code simpleenroll} with BouncyCastle's client: the certificate, or the status it was refused with. */
    public Enrolled simpleenroll(String label, Credential client, String claimToken, PKCS10CertificationRequest csr) {
        try {
            HttpAuth auth = claimToken == null ? null : new JcaHttpAuthBuilder("fleetkeeper-est", "device",
                    claimToken.toCharArray()).setNonceGenerator(new SecureRandom()).build();
            EnrollmentResponse r = est(label, client).simpleEnroll(false, csr, auth);
            X509CertificateHolder issued = (X509CertificateHolder) r.getStore().getMatches(null).iterator().next();
            return new Enrolled(new JcaX509CertificateConverter().getCertificate(issued), 200);
        } catch (ESTException e) {
            return new Enrolled(null, e.getStatusCode());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A raw POST over TLS presenting {@code client} (null: none). */
    public Reply post(String path, String contentType, String body, Credential client) {
        return post(path, contentType, body, client, Map.of());
    }

    /** As {@link #post(String, String, String, Credential)}, with further request headers. */
    public Reply post(String path, String contentType, String body, Credential client, Map<String, String> headers) {
        try (HttpClient http = HttpClient.newBuilder().sslContext(tls(client)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://" + authority + path))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", contentType);
            headers.forEach(request::header);
            HttpResponse<String> r = http.send(request.POST(BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply("POST " + path, r.statusCode(), r.headers(), r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CSR as an EST request body (base64 DER). */
    public static String estBody(PKCS10CertificationRequest csr) {
        try {
            return Base64.getMimeEncoder().encodeToString(csr.getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String host() {
        return host;
    }

    public static List<X509Certificate> parse(String pem) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .stream().map(X509Certificate.class::cast).toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private SSLContext tls(Credential client) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(client == null ? null : keyManagers(client), new javax.net.ssl.TrustManager[] {trustManager()},
                null);
        return ctx;
    }

    private X509TrustManager trustManager() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("platform", platformCa);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    private static KeyManager[] keyManagers(Credential client) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("device", client.key().getPrivate(), "pw".toCharArray(), client.chain());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
        return kmf.getKeyManagers();
    }
}
