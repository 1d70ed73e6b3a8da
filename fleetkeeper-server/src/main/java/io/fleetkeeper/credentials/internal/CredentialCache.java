package io.fleetkeeper.credentials.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.CredentialsProperties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Credentials that authenticated, in memory: certificate fingerprints and device-key hashes map to their
 * device, and the device (with its tenant) is remembered as admitted. A hit needs both, so dropping a device
 * ({@link #forgetDevice}) sends every credential of it back to the store. An epoch, bumped by every drop,
 * keeps a store lookup that raced with a drop from filling the cache with what was just dropped.
 */
final class CredentialCache {

    private record CertEntry(AuthenticatedDevice device, long validFrom, long validUntil) {
    }

    private final Cache<String, CertEntry> byFingerprint;
    private final Cache<String, AuthenticatedDevice> byKeyHash;
    private final Cache<UUID, UUID> admitted;
    private final AtomicLong epoch = new AtomicLong();
    private final LongSupplier millis;

    CredentialCache(CredentialsProperties props, LongSupplier millis) {
        this.millis = millis;
        this.byFingerprint = Caffeine.newBuilder().maximumSize(props.cacheSize()).expireAfterWrite(props.cacheTtl())
                .build();
        this.byKeyHash = Caffeine.newBuilder().maximumSize(props.cacheSize()).expireAfterWrite(props.cacheTtl())
                .build();
        this.admitted = Caffeine.newBuilder().maximumSize(props.cacheSize()).expireAfterWrite(props.cacheTtl())
                .build();
    }

    long epoch() {
        return epoch.get();
    }

    AuthenticatedDevice certificate(String fingerprint) {
        CertEntry e = byFingerprint.getIfPresent(fingerprint);
        if (e == null || !admitted(e.device())) {
            return null;
        }
        long now = millis.getAsLong();
        return now >= e.validFrom() && now < e.validUntil() ? e.device() : null;
    }

    AuthenticatedDevice key(String hash) {
        AuthenticatedDevice d = byKeyHash.getIfPresent(hash);
        return d != null && admitted(d) ? d : null;
    }

    /** Remembers a grant made by the store, unless something was dropped since {@code seenEpoch}. */
    void putCertificate(String fingerprint, AuthenticatedDevice d, long validFrom, long validUntil, long seenEpoch) {
        if (epoch.get() == seenEpoch) {
            byFingerprint.put(fingerprint, new CertEntry(d, validFrom, validUntil));
            admitted.put(d.deviceId(), d.tenantId());
        }
    }

    void putKey(String hash, AuthenticatedDevice d, long seenEpoch) {
        if (epoch.get() == seenEpoch) {
            byKeyHash.put(hash, d);
            admitted.put(d.deviceId(), d.tenantId());
        }
    }

    /** Drops the device (or with a null device, every device of the tenant) as admitted. */
    void forgetDevice(UUID tenantId, UUID deviceId) {
        epoch.incrementAndGet();
        if (deviceId != null) {
            admitted.invalidate(deviceId);
        } else {
            admitted.asMap().values().removeIf(tenantId::equals);
        }
    }

    void forgetCertificate(String fingerprint) {
        epoch.incrementAndGet();
        byFingerprint.invalidate(fingerprint);
    }

    /** Every certificate: a CA changed, so what validated before must validate again. */
    void forgetCertificates() {
        epoch.incrementAndGet();
        byFingerprint.invalidateAll();
    }

    /** Everything: this node may have missed revocations (its link to the other nodes was down). */
    void forgetAll() {
        epoch.incrementAndGet();
        byFingerprint.invalidateAll();
        byKeyHash.invalidateAll();
        admitted.invalidateAll();
    }

    /** Every cached key of a device (a rotation replaced it). */
    void forgetKeysOf(UUID deviceId) {
        epoch.incrementAndGet();
        byKeyHash.asMap().values().removeIf(d -> d.deviceId().equals(deviceId));
    }

    private boolean admitted(AuthenticatedDevice d) {
        return d.tenantId().equals(admitted.getIfPresent(d.deviceId()));
    }
}
