package io.fleetkeeper.carrier;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Carrier SIM integrations and their sync worker.
 *
 * @param syncEnabled    whether this node takes part in the background sync (one node at a time holds its lease)
 * @param syncInterval   how often each integration's usage and SIM states are read from the carrier (default 15m)
 * @param pollInterval   how often the worker looks for integrations whose sync is due (default 10s)
 * @param requestTimeout timeout of one request to a carrier (default 10s)
 * @param maxBackoff     the longest wait before retrying an integration whose carrier keeps failing (default 1h)
 * @param infoPerSync    SIMs whose state is read one by one per integration and sync, oldest first (default 100)
 * @param usagePages     pages of usage records read per integration and sync at most (default 50)
 */
@ConfigurationProperties("fleetkeeper.carrier")
public record CarrierProperties(
        @DefaultValue("true") boolean syncEnabled,
        @DefaultValue("15m") Duration syncInterval,
        @DefaultValue("10s") Duration pollInterval,
        @DefaultValue("10s") Duration requestTimeout,
        @DefaultValue("1h") Duration maxBackoff,
        @DefaultValue("100") int infoPerSync,
        @DefaultValue("50") int usagePages) {
}
