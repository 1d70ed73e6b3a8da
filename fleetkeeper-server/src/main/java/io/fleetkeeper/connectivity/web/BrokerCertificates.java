package io.fleetkeeper.connectivity.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.pki.Pem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * Reads the client certificate a broker forwards. EMQX's {@code ${cert_pem}} is the certificate base64
 * encoded; PEM text (another broker, or a proxy) is read as well. Leaf first.
 */
final class BrokerCertificates {

    private static final int MAX_CHARS = 64 * 1024;

    private BrokerCertificates() {
    }

    /** The chain, or null when the text is not one. */
    static X509Certificate[] parse(String text) {
        if (text.length() > MAX_CHARS) {
            return null;
        }
        try {
            if (text.contains("-----BEGIN")) {
                return Pem.certificates(text, "cert_pem").toArray(X509Certificate[]::new);
            }
            byte[] decoded = Base64.getMimeDecoder().decode(text.trim());
            String asText = new String(decoded, StandardCharsets.US_ASCII);
            if (asText.contains("-----BEGIN")) {
                return Pem.certificates(asText, "cert_pem").toArray(X509Certificate[]::new);
            }
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(decoded)).stream()
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (ApiException | IllegalArgumentException | CertificateException | ClassCastException e) {
            return null;
        }
    }
}
