package io.fleetkeeper.testing;

import io.fleetkeeper.blobs.BlobProperties;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Assumptions;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server in this JVM: S3Proxy over jclouds' filesystem backend in a temporary directory,
 * on a free loopback port, with AWS signature authentication. A test that cannot start it is skipped with a
 * visible message.
 */
public final class S3Server {

    public static final String ACCESS_KEY = "test-access";
    public static final String SECRET_KEY = "test-secret-0123456789";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final Path dir;
    private final URI endpoint;
    private S3Client client;

    private S3Server(S3Proxy proxy, BlobStoreContext context, Path dir) {
        this.proxy = proxy;
        this.context = context;
        this.dir = dir;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public static S3Server start() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("fk-s3proxy-");
            Properties overrides = new Properties();
            overrides.setProperty("jclouds.filesystem.basedir", dir.toString());
            BlobStoreContext context = ContextBuilder.newBuilder("filesystem").credentials("identity", "credential")
                    .overrides(overrides).build(BlobStoreContext.class);
            S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
            proxy.start();
            // S3Proxy exposes no start-up future: wait for its Jetty state.
            Await.until(java.time.Duration.ofSeconds(10), "S3Proxy started", proxy::getState, "STARTED"::equals);
            return new S3Server(proxy, context, dir);
        } catch (Exception | LinkageError | AssertionError e) { // AssertionError: not started in time
            String message = "SKIPPED: S3 blob store tests: S3Proxy could not start: " + e;
            System.err.println(message);
            Assumptions.abort(message);
            throw new AssertionError(e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The settings of a store on bucket {@code bucket} of this server. */
    public BlobProperties.S3 properties(String bucket, String partSize) {
        return new BlobProperties.S3(endpoint.toString(), "us-east-1", bucket, "blobs/", ACCESS_KEY, SECRET_KEY,
                true, DataSize.parse(partSize), "");
    }

    public synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
        }
        return client;
    }

    public void createBucket(String bucket) {
        client().createBucket(b -> b.bucket(bucket));
    }

    public void stop() {
        try {
            if (client != null) {
                client.close();
            }
            proxy.stop();
            context.close();
        } catch (Exception e) {
            // best effort
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // under the system temp directory
        }
    }
}
