package io.fleetkeeper.credentials;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The device credential cache, shared by every device-facing path.
 *
 * @param cacheTtl  how long an authenticated certificate or device key is kept in memory (default 1h);
 *                  revocation, suspension, decommission, purge and key rotation drop entries at once, on every node
 * @param cacheSize most certificates and most device keys kept (each; default 2,000,000)
 */
@ConfigurationProperties("fleetkeeper.credentials")
public record CredentialsProperties(
        @DefaultValue("1h") Duration cacheTtl,
        @DefaultValue("2000000") long cacheSize) {
}
