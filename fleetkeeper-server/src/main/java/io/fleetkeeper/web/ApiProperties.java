package io.fleetkeeper.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the management API.
 *
 * @param maxBodyBytes   largest JSON request body (default 1 MiB)
 * @param maxImportBytes largest bulk-import body (default 256 MiB)
 * @param maxPageSize    largest {@code limit} on list endpoints (default 1000; the default page is 50)
 * @param maxUploadBytes largest binary upload ({@code PUT} of {@code application/octet-stream}, e.g. a firmware
 *                       artifact), streamed to the blob store (default 4 GiB; the blob store's limits apply too)
 * @param corsOrigins    origins whose browser scripts may call {@code /api/} (CORS); empty (the default) keeps
 *                       cross-origin calls closed
 */
@ConfigurationProperties("fleetkeeper.api")
public record ApiProperties(
        @DefaultValue("1048576") long maxBodyBytes,
        @DefaultValue("268435456") long maxImportBytes,
        @DefaultValue("1000") int maxPageSize,
        @DefaultValue("4294967296") long maxUploadBytes,
        @DefaultValue("") List<String> corsOrigins) {
}
