package io.fleetkeeper.pki;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * PKI settings.
 *
 * @param masterKey          base64 of 32 bytes encrypting CA private keys and device secrets at rest
 *                           (AES-256-GCM); empty: read or
 *                           create {@code <data-dir>/master.key} (mode 600) — set it explicitly on PostgreSQL
 *                           deployments with several nodes
 * @param publicBaseUrl      base URL written into certificates for CRL distribution points and OCSP; empty
 *                           (the default): {@code http://<first fleetkeeper.device-api.server-names>:<the
 *                           management port the server listens on>}
 * @param crlValidityHours   CRL nextUpdate distance (default 24); the CRL is re-signed when half has passed
 * @param schedulerDelayMs   how often the lifecycle scheduler looks for certificates entering a window (default
 *                           60000)
 * @param nativeCrypto       verify ECDSA and RSA signatures of CSRs and device certificate chains, and make the EC CA
 *                           keys' signatures (certificates, CRLs, OCSP responses), with the system's OpenSSL 3
 *                           libcrypto (default true); false, or the library missing: the JDK verifies and signs
 */
@ConfigurationProperties("fleetkeeper.pki")
public record PkiProperties(
        @DefaultValue("") String masterKey,
        @DefaultValue("") String publicBaseUrl,
        @DefaultValue("24") int crlValidityHours,
        @DefaultValue("60000") long schedulerDelayMs,
        @DefaultValue("true") boolean nativeCrypto) {
}
