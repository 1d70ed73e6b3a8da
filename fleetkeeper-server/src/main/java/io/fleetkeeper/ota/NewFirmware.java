package io.fleetkeeper.ota;

import java.util.List;

/** A firmware to add to the catalog; its artifacts are uploaded afterwards, one by one. */
public record NewFirmware(String name, String version, List<String> deviceTypes, String description,
        String releaseNotes) {
}
