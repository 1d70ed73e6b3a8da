package io.fleetkeeper.credentials.internal;

import io.fleetkeeper.pki.TrustIndex;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Validates a device's client certificate chain during the TLS handshake against every tenant's CAs,
 * held in memory by the {@link TrustIndex}: no database access. A chain no tenant CA vouches for fails
 * the handshake. Which device (and whether it may connect) is decided after the handshake, at CONNECT.
 * A client without a certificate passes here and must then present a device key.
 */
final class DeviceTrustManager extends X509ExtendedTrustManager {

    private static final X509Certificate[] NONE = new X509Certificate[0];

    private final TrustIndex trust;

    DeviceTrustManager(TrustIndex trust) {
        this.trust = trust;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0 || trust.verify(chain).isEmpty()) {
            throw new CertificateException("the client certificate is not issued by a known CA, or is outside its "
                    + "validity");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("not a client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a client");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NONE;
    }
}
