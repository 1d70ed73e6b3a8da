package io.fleetkeeper.blobs;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The artifact store (firmware, exports).
 *
 * @param store       {@code filesystem} (a directory, the embedded default) or {@code s3} (S3-compatible storage)
 * @param dir         directory of the filesystem store; empty: {@code <fleetkeeper.db.data-dir>/blobs}
 * @param tenantQuota bytes of distinct blobs one tenant may keep (default 10GB)
 * @param maxBlobSize largest single blob (default 4GB)
 * @param tempMaxAge  age after which an upload's temporary file or object (left by a crash) is removed (default 24h)
 * @param s3          the S3-compatible store
 */
@ConfigurationProperties("fleetkeeper.blobs")
public record BlobProperties(
        @DefaultValue("filesystem") String store,
        @DefaultValue("") String dir,
        @DefaultValue("10GB") DataSize tenantQuota,
        @DefaultValue("4GB") DataSize maxBlobSize,
        @DefaultValue("24h") Duration tempMaxAge,
        @DefaultValue S3 s3) {

    /**
     * S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Garage, S3Proxy…).
     *
     * @param endpoint  endpoint override, e.g. {@code http://minio:9000}; empty: AWS's endpoint for the region
     * @param region    signing region (default us-east-1)
     * @param bucket    bucket holding the blobs; it must exist (default fleetkeeper)
     * @param prefix    key prefix inside the bucket (default {@code blobs/})
     * @param accessKey access key; empty: the AWS default credential chain (environment, profile, instance role)
     * @param secretKey secret key (env {@code FLEETKEEPER_BLOBS_S3_SECRETKEY})
     * @param pathStyle path-style addressing ({@code endpoint/bucket/key}), which most S3-compatible servers need
     * @param partSize  part size of multipart uploads, at least 5MB; smaller blobs are one PUT (default 16MB)
     * @param publicEndpoint base URL of the store as browsers and download clients reach it, e.g.
     *                  {@code https://files.example.com} behind a reverse proxy that keeps the {@code Host} header;
     *                  pre-signed download URLs are made for it. Empty: the {@code endpoint}
     */
    public record S3(
            @DefaultValue("") String endpoint,
            @DefaultValue("us-east-1") String region,
            @DefaultValue("fleetkeeper") String bucket,
            @DefaultValue("blobs/") String prefix,
            @DefaultValue("") String accessKey,
            @DefaultValue("") String secretKey,
            @DefaultValue("true") boolean pathStyle,
            @DefaultValue("16MB") DataSize partSize,
            @DefaultValue("") String publicEndpoint) {
    }
}
