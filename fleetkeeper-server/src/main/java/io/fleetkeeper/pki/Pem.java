package io.fleetkeeper.pki;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * PEM and DER in and out, through BouncyCastle's parsers; bad input becomes a clear 400. Certificates the registry
 * itself encodes or stored take the JDK's own encoders and parser (RFC 7468 text through {@link Base64}'s MIME
 * encoder, DER through a {@link CertificateFactory} kept per thread): a certificate is written and read on every
 * issuance, enrollment and bootstrap, and BouncyCastle's generic writer and converter cost several times more
 * (an 8 KB buffer per call, a certificate factory looked up per conversion, the DER parsed twice).
 */
public final class Pem {

    private static final JcaX509CertificateConverter CERTS = new JcaX509CertificateConverter();
    private static final ThreadLocal<CertificateFactory> FACTORY = ThreadLocal.withInitial(() -> {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----\n";
    private static final String END = "\n-----END CERTIFICATE-----\n";

    private Pem() {
    }

    public static String write(Object object) {
        if (object instanceof X509Certificate cert) {
            return write(cert);
        }
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /** A certificate as one {@code CERTIFICATE} block, exactly as BouncyCastle's PEM writer would write it. */
    public static String write(X509Certificate cert) {
        try {
            return BEGIN + BASE64.encodeToString(cert.getEncoded()) + END;
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The first certificate of a PEM text the registry wrote itself (a stored certificate): the JDK's parser,
     * no validation messages. User input goes through {@link #certificates(String, String)}.
     */
    public static X509Certificate stored(String pem) {
        try {
            return (X509Certificate) FACTORY.get().generateCertificate(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalStateException("a stored certificate does not parse", e);
        }
    }

    /** A private key as a PKCS#8 {@code PRIVATE KEY} PEM (unencrypted). */
    public static String pkcs8(java.security.PrivateKey key) {
        try {
            return write(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate());
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("cannot encode the key", e);
        }
    }

    public static String chain(List<X509Certificate> certs) {
        StringBuilder sb = new StringBuilder();
        certs.forEach(c -> sb.append(write(c)));
        return sb.toString();
    }

    /** Every certificate in a PEM text, in order; at least one. */
    public static List<X509Certificate> certificates(String pem, String field) {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem == null ? "" : pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (!(o instanceof X509CertificateHolder h)) {
                    throw bad(field, "must contain only CERTIFICATE blocks");
                }
                out.add(CERTS.getCertificate(h));
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            if (e instanceof ApiException api) {
                throw api;
            }
            throw bad(field, "is not a valid PEM certificate");
        }
        if (out.isEmpty()) {
            throw bad(field, "must contain a PEM certificate");
        }
        return out;
    }

    public static X509Certificate certificate(X509CertificateHolder holder) {
        try {
            return (X509Certificate) FACTORY.get().generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PrivateKey privateKey(String pem, String field) {
        try (PEMParser p = new PEMParser(new StringReader(pem == null ? "" : pem))) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                return conv.getPrivateKey(kp.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            throw bad(field, "must be an unencrypted PEM private key (PKCS#8, EC or RSA)");
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException api) {
                throw api;
            }
            throw bad(field, "is not a valid PEM private key");
        }
    }

    public static PKCS10CertificationRequest csr(String pem, String field) {
        try (PEMParser p = new PEMParser(new StringReader(pem == null ? "" : pem))) {
            Object o = p.readObject();
            if (o instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        throw bad(field, "must be a PEM certificate signing request (PKCS#10)");
    }

    public static PKCS10CertificationRequest csr(byte[] der, String field) {
        try {
            return new PKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw bad(field, "is not a DER PKCS#10 certificate signing request");
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The leaf's ({@code chain[0]}) SHA-256 fingerprint as {@link #fingerprint}; null for a null or empty chain. */
    public static String leafFingerprint(X509Certificate[] chain) {
        return chain == null || chain.length == 0 ? null : fingerprint(chain[0]);
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            return sha256(cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ApiException bad(String field, String message) {
        return new ApiException(ErrorCode.VALIDATION_FAILED, field + " " + message,
                List.of(new ApiException.FieldError(field, message)));
    }
}
