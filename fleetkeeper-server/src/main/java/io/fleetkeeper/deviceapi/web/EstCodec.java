package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.pki.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * EST wire formats with the RFC 8951 rules: bodies are base64 whatever Content-Transfer-Encoding says,
 * requests may carry whitespace and line breaks; responses are base64 in 76-character lines.
 */
final class EstCodec {

    static final String PKCS10 = "application/pkcs10";
    static final MediaType CERTS_ONLY = MediaType.parseMediaType("application/pkcs7-mime; smime-type=certs-only");
    static final String PKCS8 = "application/pkcs8";
    /** 76-character lines ending in LF: EST clients accept them, and so does {@code base64 -d}. */
    private static final Base64.Encoder LINES = Base64.getMimeEncoder(76, new byte[] {'\n'});
    /** Inside a MIME multipart body, lines end in CRLF (RFC 2046). */
    private static final String CRLF = "\r\n";
    private static final Base64.Encoder PART_LINES = Base64.getMimeEncoder();
    /** The base64 alphabet has no '-', so this boundary cannot occur inside a part. */
    private static final String BOUNDARY = "fleetkeeper-est-serverkeygen";

    private EstCodec() {
    }

    /** A certs-only CMS SignedData (no signers, no content) holding {@code certs} in the given order, base64. */
    static ResponseEntity<byte[]> certsOnly(List<X509Certificate> certs) {
        byte[] body = (LINES.encodeToString(certsOnlyDer(certs)) + "\n").getBytes(StandardCharsets.US_ASCII);
        return ResponseEntity.ok().contentType(CERTS_ONLY).header("Content-Transfer-Encoding", "base64").body(body);
    }

    /**
     * The answer to {@code serverkeygen} (RFC 7030 4.4.2) without additional encryption: {@code multipart/mixed}
     * with the private key as an {@code application/pkcs8} part (PKCS#8 PrivateKeyInfo), then the certificate as
     * a certs-only part, each base64. The key is protected by the TLS session it travels in; no cache keeps it.
     */
    static ResponseEntity<byte[]> keyAndCertificate(PrivateKey key, X509Certificate certificate) {
        String body = "--" + BOUNDARY + CRLF
                + "Content-Type: " + PKCS8 + CRLF + "Content-Transfer-Encoding: base64" + CRLF + CRLF
                + PART_LINES.encodeToString(key.getEncoded()) + CRLF
                + "--" + BOUNDARY + CRLF
                + "Content-Type: " + CERTS_ONLY + CRLF + "Content-Transfer-Encoding: base64" + CRLF + CRLF
                + PART_LINES.encodeToString(certsOnlyDer(List.of(certificate))) + CRLF
                + "--" + BOUNDARY + "--" + CRLF;
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("multipart/mixed; boundary=" + BOUNDARY))
                .cacheControl(CacheControl.noStore()).body(body.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Definite-length encoding without DER's sorting of the certificate SET: DER would reorder the certificates
     * by their encoding, and {@code cacerts} promises the issuing CA first, then its parents up to the root.
     */
    private static byte[] certsOnlyDer(List<X509Certificate> certs) {
        try {
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addCertificates(new JcaCertStore(certs));
            return gen.generate(new CMSAbsentContent(), false).getEncoded(ASN1Encoding.DL);
        } catch (CertificateEncodingException | CMSException | IOException e) {
            throw new IllegalStateException("cannot encode certs-only response", e);
        }
    }

    /** The CSR in a request body: base64 DER (whitespace ignored), or PEM. */
    static PKCS10CertificationRequest csr(byte[] body) {
        String text = new String(body, StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN")) {
            return Pem.csr(text, "csr");
        }
        StringBuilder b64 = new StringBuilder(text.length());
        text.chars().filter(c -> !Character.isWhitespace(c)).forEach(c -> b64.append((char) c));
        byte[] der;
        try {
            der = Base64.getDecoder().decode(b64.toString());
        } catch (IllegalArgumentException e) {
            der = new byte[0];
        }
        if (der.length == 0) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST,
                    "the body must be a base64-encoded DER PKCS#10 certificate request");
        }
        return Pem.csr(der, "csr");
    }
}
