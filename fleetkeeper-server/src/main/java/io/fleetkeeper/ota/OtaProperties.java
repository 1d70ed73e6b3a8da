package io.fleetkeeper.ota;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Firmware updates.
 *
 * @param ddiPollingSleep how long hawkBit DDI clients are told to wait between polls ({@code config.polling.sleep},
 *                        default 5m)
 * @param downloadRedirectTtl with an S3-compatible blob store, device downloads answer {@code 302} to a pre-signed
 *                        URL valid this long; {@code 0s} (the default) streams them through the server
 */
@ConfigurationProperties("fleetkeeper.ota")
public record OtaProperties(@DefaultValue("5m") Duration ddiPollingSleep,
        @DefaultValue("0s") Duration downloadRedirectTtl) {
}
