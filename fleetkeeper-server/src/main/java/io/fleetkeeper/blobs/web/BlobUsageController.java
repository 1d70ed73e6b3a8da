package io.fleetkeeper.blobs.web;

import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.blobs.BlobUsage;
import io.fleetkeeper.tenancy.Caller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/blobs/usage}: the tenant's stored bytes against its quota. */
@RestController
class BlobUsageController {

    private final BlobService blobs;

    BlobUsageController(BlobService blobs) {
        this.blobs = blobs;
    }

    @GetMapping("/api/v1/blobs/usage")
    BlobUsage usage(Caller caller) {
        return blobs.usage(caller.tenantId());
    }
}
