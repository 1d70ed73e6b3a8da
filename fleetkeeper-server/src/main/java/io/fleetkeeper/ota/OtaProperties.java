package io.fleetkeeper.ota;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Firmware updates.
 *
 * @param ddiPollingSleep how long hawkBit DDI clients are told to wait between polls ({@code config.polling.sleep},
 *                        default 5m)
 */
@ConfigurationProperties("fleetkeeper.ota")
public record OtaProperties(@DefaultValue("5m") Duration ddiPollingSleep) {
}
