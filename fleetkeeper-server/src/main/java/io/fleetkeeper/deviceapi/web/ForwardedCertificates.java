package io.fleetkeeper.deviceapi.web;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.springframework.web.util.UriUtils;

/**
 * Reads the client certificate chain a TLS-terminating proxy forwards, leaf first:
 * <ul>
 * <li>RFC 9440: {@code Client-Cert} holds the leaf and {@code Client-Cert-Chain} the certificates after it,
 * each a structured-field byte sequence ({@code :base64-DER:});</li>
 * <li>{@code X-SSL-Client-Cert}: percent-encoded PEM (nginx's {@code $ssl_client_escaped_cert}, one or more
 * certificates) or base64 DER (HAProxy's {@code ssl_c_der,base64}).</li>
 * </ul>
 * {@code Client-Cert} wins when both forms are present. An empty header counts as absent (nginx sends one when
 * the client presented no certificate).
 */
final class ForwardedCertificates {

    static final String CLIENT_CERT = "Client-Cert";
    static final String CLIENT_CERT_CHAIN = "Client-Cert-Chain";
    static final String X_SSL_CLIENT_CERT = "X-SSL-Client-Cert";

    /** A forwarded header that does not hold certificates; the message says which and why. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    private ForwardedCertificates() {
    }

    /** The forwarded chain, leaf first; null when the request forwards none. */
    static X509Certificate[] read(HttpServletRequest request) throws Malformed {
        String leaf = joined(request, CLIENT_CERT);
        String chain = joined(request, CLIENT_CERT_CHAIN);
        if (leaf != null) {
            if (leaf.contains(",")) {
                throw new Malformed(CLIENT_CERT + " must hold one certificate");
            }
            List<X509Certificate> certificates = new ArrayList<>();
            certificates.add(der(byteSequence(leaf, CLIENT_CERT), CLIENT_CERT));
            if (chain != null) {
                for (String member : chain.split(",")) {
                    certificates.add(der(byteSequence(member, CLIENT_CERT_CHAIN), CLIENT_CERT_CHAIN));
                }
            }
            return certificates.toArray(X509Certificate[]::new);
        }
        if (chain != null) {
            throw new Malformed(CLIENT_CERT_CHAIN + " was forwarded without " + CLIENT_CERT);
        }
        String ssl = joined(request, X_SSL_CLIENT_CERT);
        return ssl == null ? null : sslClientCert(ssl);
    }

    /** Every value of the header joined with commas, as RFC 9110 combines field lines; null when none is set. */
    private static String joined(HttpServletRequest request, String name) {
        List<String> values = Collections.list(request.getHeaders(name)).stream().map(String::strip)
                .filter(v -> !v.isEmpty()).toList();
        return values.isEmpty() ? null : String.join(",", values);
    }

    /** The bytes of an RFC 8941 byte sequence item ({@code :base64:}, parameters ignored). */
    private static byte[] byteSequence(String item, String header) throws Malformed {
        String value = item.strip();
        int parameters = value.indexOf(';');
        if (parameters >= 0) {
            value = value.substring(0, parameters);
        }
        if (value.length() < 3 || value.charAt(0) != ':' || value.charAt(value.length() - 1) != ':') {
            throw new Malformed(header + " must be a structured-field byte sequence (:base64 DER:)");
        }
        try {
            return Base64.getDecoder().decode(value.substring(1, value.length() - 1));
        } catch (IllegalArgumentException e) {
            throw new Malformed(header + " is not valid base64");
        }
    }

    private static X509Certificate[] sslClientCert(String value) throws Malformed {
        String text;
        try {
            // Percent-decoding only: a '+' stays a '+' (it is base64), as nginx escapes spaces as %20.
            text = UriUtils.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Malformed(X_SSL_CLIENT_CERT + " is not percent-encoded correctly");
        }
        if (!text.contains("-----BEGIN")) {
            try {
                return new X509Certificate[] {der(Base64.getMimeDecoder().decode(text), X_SSL_CLIENT_CERT)};
            } catch (IllegalArgumentException e) {
                throw new Malformed(X_SSL_CLIENT_CERT + " is neither PEM nor base64 DER");
            }
        }
        try {
            var certificates = factory().generateCertificates(
                    new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
            if (certificates.isEmpty()) {
                throw new Malformed(X_SSL_CLIENT_CERT + " holds no certificate");
            }
            return certificates.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (CertificateException e) {
            throw new Malformed(X_SSL_CLIENT_CERT + " does not hold PEM certificates");
        }
    }

    private static X509Certificate der(byte[] der, String header) throws Malformed {
        if (der.length == 0) {
            throw new Malformed(header + " is empty");
        }
        try {
            return (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new Malformed(header + " does not hold a DER X.509 certificate");
        }
    }

    private static CertificateFactory factory() throws CertificateException {
        return CertificateFactory.getInstance("X.509");
    }
}
