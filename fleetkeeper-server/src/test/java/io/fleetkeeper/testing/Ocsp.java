package io.fleetkeeper.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/** An OCSP client on BouncyCastle: asks a responder over HTTP and checks the answer is signed by the CA. */
public final class Ocsp {

    private Ocsp() {
    }

    /**
     * Sends the DER {@code request} to the responder at {@code url} (POST, or RFC 6960 A.1 GET) and returns the
     * basic response, asserting a 200 {@code application/ocsp-response}, a successful status and a signature by
     * {@code ca}.
     */
    public static BasicOCSPResp ask(String url, byte[] request, X509Certificate ca, boolean useGet) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest req = useGet
                ? HttpRequest.newBuilder(URI.create(url + "/"
                        + URLEncoder.encode(Base64.getEncoder().encodeToString(request), StandardCharsets.UTF_8)))
                        .build()
                : HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/ocsp-request")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build();
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/ocsp-response");
        OCSPResp resp = new OCSPResp(r.body());
        assertThat(resp.getStatus()).isZero();
        BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
        assertThat(basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca.getPublicKey()))).isTrue();
        return basic;
    }

    /** The status the responder at {@code url} gives {@code leaf}, which {@code ca} issued (POST). */
    public static CertificateStatus status(String url, X509Certificate ca, X509Certificate leaf) throws Exception {
        CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build()
                .get(CertificateID.HASH_SHA1), new JcaX509CertificateHolder(ca), leaf.getSerialNumber());
        return ask(url, new OCSPReqBuilder().addRequest(id).build().getEncoded(), ca, false).getResponses()[0]
                .getCertStatus();
    }
}
