package io.fleetkeeper.provisioning;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Provisioning settings.
 *
 * @param maxFailuresPerAddress    failed attempts one source address may make per minute before 429 (default 20)
 * @param maxFailuresPerCredential failed attempts with one key or token per minute before 429 (default 10)
 */
@ConfigurationProperties("fleetkeeper.provisioning")
public record ProvisioningProperties(
        @DefaultValue("20") int maxFailuresPerAddress,
        @DefaultValue("10") int maxFailuresPerCredential) {
}
