package io.fleetkeeper.device;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Device registry settings.
 *
 * @param maxImportRows   rows one bulk import may carry (default 100,000)
 * @param importBatchSize rows validated and committed together during an import (default 1,000); a
 *                        row's result is sent once its batch has committed
 */
@ConfigurationProperties("fleetkeeper.devices")
public record DeviceProperties(
        @DefaultValue("100000") int maxImportRows,
        @DefaultValue("1000") int importBatchSize) {
}
