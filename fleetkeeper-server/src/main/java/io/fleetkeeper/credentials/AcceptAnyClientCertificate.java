package io.fleetkeeper.credentials;

import io.fleetkeeper.credentials.internal.ClientTrustManager;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * The device listener's TLS trust manager: it lets every client certificate through the handshake
 * (which still proves possession of its key), because the set of trusted CAs is per tenant and
 * changes at run time. The request filter then validates the chain against the tenant CAs
 * ({@link DeviceCredentials#certificate}). Requests no CA names, so a client may offer
 * any certificate. Tomcat instantiates it by class name; it is never used for server certificates.
 */
public final class AcceptAnyClientCertificate extends ClientTrustManager {

    public AcceptAnyClientCertificate() {
    }

    @Override
    protected void checkClient(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("empty client certificate chain");
        }
    }
}
