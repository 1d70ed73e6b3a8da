package io.fleetkeeper.credentials.internal;

import io.fleetkeeper.pki.TrustIndex;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Validates a device's client certificate chain during the TLS handshake against every tenant's CAs,
 * held in memory by the {@link TrustIndex}: no database access. A chain no tenant CA vouches for fails
 * the handshake. Which device (and whether it may connect) is decided after the handshake. A client without
 * a certificate passes here and must then present a device key. A chain that passes is remembered briefly
 * ({@link TrustIndex#handshake}), so the store path's check of a first-seen certificate right after the handshake
 * does not verify it again.
 */
final class DeviceTrustManager extends ClientTrustManager {

    private final TrustIndex trust;

    DeviceTrustManager(TrustIndex trust) {
        this.trust = trust;
    }

    @Override
    protected void checkClient(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || trust.handshake(chain).isEmpty()) {
            throw new CertificateException("the client certificate is not issued by a known CA, or is outside its "
                    + "validity");
        }
    }
}
