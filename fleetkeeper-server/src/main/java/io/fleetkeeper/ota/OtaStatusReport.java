package io.fleetkeeper.ota;

import jakarta.annotation.Nullable;

/**
 * What a device reports about its execution, over MQTT ({@code fk/<id>/ota/<execution>/status}) or HTTPS
 * ({@code POST /device/v1/ota/<execution>/status}).
 *
 * @param status   DOWNLOADING, DOWNLOADED, INSTALLING, SUCCEEDED, FAILED or CANCELED
 * @param progress percent of the current step, 0 to 100
 * @param detail   free text (an error message), kept up to 1000 characters
 * @param version  the firmware version the device runs after the update; written to the device record
 */
public record OtaStatusReport(String status, @Nullable Integer progress, @Nullable String detail,
        @Nullable String version) {
}
