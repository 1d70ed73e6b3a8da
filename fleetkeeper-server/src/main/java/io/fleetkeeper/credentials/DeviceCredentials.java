package io.fleetkeeper.credentials;

import io.fleetkeeper.pki.Pem;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The one place that answers "which device is this?" for every device-facing path: the HTTPS device API and
 * EST, the MQTT endpoint, and the external-broker hooks. A credential that authenticated is cached in memory
 * (a healthy, cached credential is decided without the database); revocation, suspension, decommission,
 * purge, key rotation and CA changes drop the entries concerned on every node.
 */
public interface DeviceCredentials {

    /**
     * Memory only: the device a certificate authenticated before and still does, or null when the store must be
     * asked ({@link #certificate}). For event loops that must not block.
     */
    default AuthenticatedDevice cachedCertificate(X509Certificate leaf) {
        return leaf == null ? null : cachedCertificate(Pem.fingerprint(leaf));
    }

    /** As {@link #cachedCertificate(X509Certificate)}, by the leaf's SHA-256 fingerprint ({@link Pem#fingerprint}). */
    AuthenticatedDevice cachedCertificate(String fingerprint);

    /** Decides on a client certificate chain, leaf first (as TLS delivers it); null or empty when none was sent. */
    default Authentication certificate(X509Certificate[] chain) {
        return certificate(chain, Pem.leafFingerprint(chain));
    }

    /**
     * As {@link #certificate(X509Certificate[])}, for a caller that has the leaf's SHA-256 fingerprint already
     * ({@link Pem#fingerprint} of {@code chain[0]}; null with no chain): it is computed once per connection.
     */
    Authentication certificate(X509Certificate[] chain, String fingerprint);

    /**
     * Decides on a client certificate chain for a certificate renewal only: as {@link #certificate}, except that an
     * expired certificate (otherwise fine: active, its device and tenant admitted) still authenticates while now
     * is before its expiry plus its tenant's {@code expired_renewal_grace_days}. Never cached; callers other than
     * the renewal endpoints must not use it.
     */
    Authentication certificateForRenewal(X509Certificate[] chain);

    /** Memory only: the device whose current key this is, if it authenticated before; else null. */
    AuthenticatedDevice cachedKey(String deviceKey);

    /** Decides on a device key ({@code dvc_…}): a current key of a device that may be served now. */
    Authentication key(String deviceKey);

    /**
     * A TLS trust manager for device listeners that validate client certificates during the handshake: a chain
     * no tenant CA vouches for fails it, from memory. Which device it is, is decided afterwards.
     */
    X509ExtendedTrustManager handshakeTrustManager();
}
