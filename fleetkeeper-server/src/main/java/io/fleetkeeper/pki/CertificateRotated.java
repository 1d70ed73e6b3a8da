package io.fleetkeeper.pki;

import java.util.List;
import java.util.UUID;

/**
 * Published after commit when a slot's primary changed without the old one being withdrawn: a successor was
 * confirmed (the old primary now ends with its overlap) or a rollback restored the previous version. The
 * credential caches of every node forget these fingerprints, so the new validity windows are read again.
 */
public record CertificateRotated(UUID tenantId, UUID deviceId, String slot, List<String> fingerprints) {
}
