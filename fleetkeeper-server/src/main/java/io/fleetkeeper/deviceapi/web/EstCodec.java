package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.pki.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * EST wire formats with the RFC 8951 rules: bodies are base64 whatever Content-Transfer-Encoding says,
 * requests may carry whitespace and line breaks; responses are base64 in 76-character lines.
 */
final class EstCodec {

    static final String PKCS10 = "application/pkcs10";
    static final MediaType CERTS_ONLY = MediaType.parseMediaType("application/pkcs7-mime; smime-type=certs-only");
    /** 76-character lines ending in LF: EST clients accept them, and so does {@code base64 -d}. */
    private static final Base64.Encoder LINES = Base64.getMimeEncoder(76, new byte[] {'\n'});

    private EstCodec() {
    }

    /**
     * A certs-only CMS SignedData (no signers, no content) holding {@code certs} in the given order, base64.
     * Definite-length encoding without DER's sorting of the certificate SET: DER would reorder the certificates
     * by their encoding, and {@code cacerts} promises the issuing CA first, then its parents up to the root.
     */
    static ResponseEntity<byte[]> certsOnly(List<X509Certificate> certs) {
        try {
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addCertificates(new JcaCertStore(certs));
            byte[] der = gen.generate(new CMSAbsentContent(), false).getEncoded(ASN1Encoding.DL);
            byte[] body = (LINES.encodeToString(der) + "\n").getBytes(StandardCharsets.US_ASCII);
            return ResponseEntity.ok().contentType(CERTS_ONLY).header("Content-Transfer-Encoding", "base64").body(body);
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
