package io.fleetkeeper.blobs.internal;

import io.fleetkeeper.blobs.BlobProperties;
import io.fleetkeeper.store.StoreProperties;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The blob store {@code fleetkeeper.blobs.store} selects: a directory, or an S3-compatible bucket. */
@Configuration(proxyBeanMethods = false)
class BlobStoreConfiguration {

    /** An {@link S3BlobStore} is closed with the context (Spring infers {@code close()}). */
    @Bean
    BlobStore blobStore(BlobProperties props, StoreProperties store) throws IOException {
        return switch (props.store()) {
            case "filesystem" -> new FilesystemBlobStore(props.dir().isBlank()
                    ? Path.of(store.dataDir(), "blobs") : Path.of(props.dir()));
            case "s3" -> s3(props.s3());
            default -> throw new IllegalStateException("fleetkeeper.blobs.store is filesystem or s3, not "
                    + props.store());
        };
    }

    /** An S3 store on the SDK's synchronous client; checksums only where S3 requires them (compatible servers). */
    static S3BlobStore s3(BlobProperties.S3 p) {
        AwsCredentialsProvider credentials = p.accessKey().isBlank() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(p.accessKey(), p.secretKey()));
        S3Configuration config = S3Configuration.builder().pathStyleAccessEnabled(p.pathStyle()).build();
        var client = S3Client.builder().region(Region.of(p.region())).credentialsProvider(credentials)
                .serviceConfiguration(config)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        var presigner = S3Presigner.builder().region(Region.of(p.region())).credentialsProvider(credentials)
                .serviceConfiguration(config);
        if (!p.endpoint().isBlank()) {
            client.endpointOverride(URI.create(p.endpoint()));
        }
        // Pre-signed URLs are followed by browsers and download tools, which may reach the store by another name
        // than this server does: they are signed for the public endpoint (the host is part of the signature, so
        // the URL is made for it rather than rewritten after signing).
        String browserFacing = p.publicEndpoint().isBlank() ? p.endpoint() : p.publicEndpoint();
        if (!browserFacing.isBlank()) {
            presigner.endpointOverride(URI.create(browserFacing));
        }
        return new S3BlobStore(client.build(), presigner.build(), p.bucket(), p.prefix(), p.partSize().toBytes());
    }
}
