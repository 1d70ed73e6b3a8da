package io.fleetkeeper.pki;

import java.util.UUID;

/** A recorded certificate and the tenant that recorded it (one fingerprint may be recorded by several). */
public record TenantCertificate(UUID tenantId, DeviceCertificate certificate) {
}
