package io.fleetkeeper.ota;

import jakarta.annotation.Nullable;
import java.util.List;

/** A firmware to add to the catalog; its artifacts are uploaded afterwards, one by one. */
public record NewFirmware(String name, String version, @Nullable List<String> deviceTypes,
        @Nullable String description, @Nullable String releaseNotes) {
}
