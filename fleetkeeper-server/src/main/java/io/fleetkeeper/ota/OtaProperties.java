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
 * @param notifyConcurrency how many devices are sent their manifest on {@code ota/notify} at once after a campaign
 *                        offered them the update (each send reads the device's execution from the store); the others
 *                        wait their turn in memory (default 4)
 */
@ConfigurationProperties("fleetkeeper.ota")
public record OtaProperties(@DefaultValue("5m") Duration ddiPollingSleep,
        @DefaultValue("0s") Duration downloadRedirectTtl,
        @DefaultValue("4") int notifyConcurrency) {
}
