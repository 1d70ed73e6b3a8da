package io.fleetkeeper.deviceapi.internal;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The device listener's TLS trust manager: it lets every client certificate through the handshake
 * (which still proves possession of its key), because the set of trusted CAs is per tenant and
 * changes at run time. The request filter then validates the chain against the tenant CAs
 * ({@link io.fleetkeeper.deviceapi.DeviceAuthenticator}). Requests no CA names, so a client may offer
 * any certificate. Tomcat instantiates it by class name; it is never used for server certificates.
 */
public final class AcceptAnyClientCertificate extends X509ExtendedTrustManager {

    private static final X509Certificate[] NONE = new X509Certificate[0];

    public AcceptAnyClientCertificate() {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        requireChain(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        requireChain(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        requireChain(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a client trust manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("not a client trust manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a client trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NONE;
    }

    private static void requireChain(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("empty client certificate chain");
        }
    }
}
