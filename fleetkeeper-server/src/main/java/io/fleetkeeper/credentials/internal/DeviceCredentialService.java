package io.fleetkeeper.credentials.internal;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.AuthenticatedDevice.Method;
import io.fleetkeeper.credentials.Authentication;
import io.fleetkeeper.credentials.CredentialsProperties;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.credentials.DeviceKeyService;
import io.fleetkeeper.credentials.Refusal;
import io.fleetkeeper.credentials.Refusal.Reason;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.pki.RotationService;
import io.fleetkeeper.pki.TrustIndex;
import io.fleetkeeper.tenancy.Secrets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.UUID;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/** {@link DeviceCredentials}: the cache first, then the store; a grant from the store fills the cache. */
@Service
class DeviceCredentialService implements DeviceCredentials {

    private static final Logger log = LoggerFactory.getLogger(DeviceCredentialService.class);
    private static final Refusal INVALID_KEY = new Refusal(Reason.INVALID_KEY, "the device key is not valid");

    private final CertificateAuthenticator certificates;
    private final DeviceKeyRepository keys;
    private final Admission admission;
    private final TrustIndex trust;
    private final CredentialCache cache;
    private final RotationService rotations;

    DeviceCredentialService(CertificateAuthenticator certificates, DeviceKeyRepository keys, Admission admission,
            TrustIndex trust, RotationService rotations, CredentialsProperties props, Clock clock) {
        this.rotations = rotations;
        this.certificates = certificates;
        this.keys = keys;
        this.admission = admission;
        this.trust = trust;
        this.cache = new CredentialCache(props, clock::millis);
    }

    @Override
    public AuthenticatedDevice cachedCertificate(String fingerprint) {
        return fingerprint == null ? null : cache.certificate(fingerprint);
    }

    @Override
    public Authentication certificate(X509Certificate[] chain, String fingerprint) {
        AuthenticatedDevice cached = chain == null || chain.length == 0 ? null : cachedCertificate(fingerprint);
        if (cached != null) {
            return cached;
        }
        long seen = cache.epoch();
        var result = certificates.authenticate(chain, fingerprint);
        if (result.outcome() instanceof AuthenticatedDevice d) {
            if (result.pendingSuccessor()) {
                confirmSuccessor(d); // not cached: the confirmation changes the slot, and the caches forget it
            } else {
                cache.putCertificate(fingerprint, d, result.validFrom(), result.validUntil(), seen);
            }
        }
        return result.outcome();
    }

    /** The first authentication with a rotation successor confirms it: it becomes the slot's primary. */
    private void confirmSuccessor(AuthenticatedDevice d) {
        try {
            rotations.confirm(d.tenantId(), d.deviceId(), d.certificateId(), RotationService.BY_CONNECTION);
        } catch (RuntimeException e) {
            // The grant stands (the successor is valid); the next authentication with it tries again.
            log.warn("could not confirm rotation certificate {} of device {}: {}", d.certificateId(), d.deviceId(),
                    e.getMessage());
        }
    }

    @Override
    public Authentication certificateForRenewal(X509Certificate[] chain) {
        // Never cached: a grant after expiry must not authenticate anything else from the cache.
        return certificates.authenticateForRenewal(chain).outcome();
    }

    @Override
    public AuthenticatedDevice cachedKey(String deviceKey) {
        return wellFormed(deviceKey) ? cache.key(Secrets.sha256(deviceKey)) : null;
    }

    @Override
    public Authentication key(String deviceKey) {
        if (deviceKey == null || deviceKey.isEmpty()) {
            return new Refusal(Reason.NO_CREDENTIAL, "neither a client certificate nor a device key was presented");
        }
        if (!wellFormed(deviceKey)) {
            return INVALID_KEY;
        }
        String hash = Secrets.sha256(deviceKey);
        AuthenticatedDevice cached = cache.key(hash);
        if (cached != null) {
            return cached;
        }
        long seen = cache.epoch();
        var stored = keys.byHash(hash).orElse(null);
        if (stored == null || !Secrets.sameDigest(stored.hash(), hash)) {
            return INVALID_KEY;
        }
        Refusal refusal = admission.check(stored.tenantId(), stored.deviceId());
        if (refusal != null) {
            return refusal;
        }
        var device = new AuthenticatedDevice(stored.tenantId(), stored.deviceId(), Method.DEVICE_KEY, null, null);
        cache.putKey(hash, device, seen);
        return device;
    }

    @Override
    public X509ExtendedTrustManager handshakeTrustManager() {
        return new DeviceTrustManager(trust);
    }

    // --- invalidation, for the revocation relay -----------------------------------------------------------

    void forgetDevice(UUID tenantId, UUID deviceId) {
        cache.forgetDevice(tenantId, deviceId);
    }

    void forgetCertificate(String fingerprint) {
        cache.forgetCertificate(fingerprint);
    }

    void forgetCertificates() {
        cache.forgetCertificates();
    }

    void forgetAll() {
        cache.forgetAll();
    }

    void forgetKeysOf(UUID deviceId) {
        cache.forgetKeysOf(deviceId);
    }

    private static boolean wellFormed(String deviceKey) {
        return deviceKey != null && deviceKey.startsWith(DeviceKeyService.PREFIX) && deviceKey.length() <= 200;
    }
}
