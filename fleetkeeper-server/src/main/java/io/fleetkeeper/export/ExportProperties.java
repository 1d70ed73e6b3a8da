package io.fleetkeeper.export;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Exports into the blob store.
 *
 * @param retention    how long a finished export and its artifact are kept (default 7d)
 * @param linkTtl      lifetime of a download link (signed link or pre-signed URL, default 5m)
 * @param linkKey      key signing the server's download links (HMAC-SHA256); empty: a random key per process,
 *                     so set the same value on every node of a cluster
 * @param lease        how long a node holds a running export before another may take it over (default 2m)
 * @param pageSize     rows read from the database per page (default 500)
 * @param publicUrl    this service's address as users reach it (e.g. {@code https://fleet.example.com}), put in front
 *                     of the signed links sent to notification channels for the filesystem store; empty (the
 *                     default): such a message carries the API path only
 * @param deliveredLinkTtl lifetime of the download link a scheduled export sends to its channel (default 24h; an
 *                     S3 pre-signed URL lives at most 7 days)
 */
@ConfigurationProperties("fleetkeeper.exports")
public record ExportProperties(
        @DefaultValue("7d") Duration retention,
        @DefaultValue("5m") Duration linkTtl,
        @DefaultValue("") String linkKey,
        @DefaultValue("2m") Duration lease,
        @DefaultValue("500") int pageSize,
        @DefaultValue("") String publicUrl,
        @DefaultValue("24h") Duration deliveredLinkTtl) {
}
