package io.fleetkeeper.credentials.internal;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A TLS trust manager for device listeners: it judges client certificate chains only (every overload comes to
 * {@link #checkClient}), refuses to judge servers, and names no CA in the handshake, so a client may offer any
 * certificate and the listener decides.
 */
public abstract class ClientTrustManager extends X509ExtendedTrustManager {

    private static final X509Certificate[] NONE = new X509Certificate[0];

    /** Throws when the presented chain (leaf first) must fail the handshake. */
    protected abstract void checkClient(X509Certificate[] chain) throws CertificateException;

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClient(chain);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClient(chain);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClient(chain);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server trust manager");
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("not a server trust manager");
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a server trust manager");
    }

    @Override
    public final X509Certificate[] getAcceptedIssuers() {
        return NONE;
    }
}
