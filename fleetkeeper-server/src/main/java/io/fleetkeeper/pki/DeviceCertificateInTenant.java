package io.fleetkeeper.pki;

import java.util.UUID;

/** A recorded certificate and its tenant. */
public record DeviceCertificateInTenant(UUID tenantId, DeviceCertificate certificate) {
}
