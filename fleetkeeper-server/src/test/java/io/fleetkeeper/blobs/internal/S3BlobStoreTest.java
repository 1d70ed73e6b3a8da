package io.fleetkeeper.blobs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.blobs.Blob;
import io.fleetkeeper.blobs.BlobProperties;
import io.fleetkeeper.testing.Generated;
import io.fleetkeeper.testing.S3Server;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The blob store contract on S3-compatible storage: a real S3 server (S3Proxy over a temporary directory)
 * started by the test, reached through the AWS SDK with path-style addressing and a 5 MB part size.
 */
class S3BlobStoreTest implements BlobStoreContract {

    private static S3Server server;
    private static S3BlobStore store;
    private static String bucket;

    @BeforeAll
    static void start() {
        server = S3Server.start();
        bucket = "contract-" + System.nanoTime();
        BlobProperties.S3 p = server.properties(bucket, "5MB");
        server.createBucket(p.bucket());
        store = BlobStoreConfiguration.s3(p);
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    @Override
    public BlobStore store() {
        return store;
    }

    @Override
    public long largeSize() {
        return 12 * 1024 * 1024 + 17; // three parts of 5 MB
    }

    /** An unfinished multipart upload with one part under the temporary prefix. */
    @Override
    public void leaveInterruptedUpload(String namespace) {
        var s3 = server.client();
        String key = "blobs/.tmp/crashed-" + namespace;
        String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1),
                RequestBody.fromBytes(Generated.slice(6, 0, 1000)));
    }

    @Test
    void presignedUrlReadsTheBlobWithoutOurServer() throws Exception {
        Blob b = store.write("t1", new Generated(8, 3000), null, Long.MAX_VALUE);
        var url = store.presign("t1", b.sha256(), Duration.ofMinutes(5)).orElseThrow();
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Generated.slice(8, 0, 3000));
    }

    @Test
    void objectsAreNamedByTenantAndDigest() throws IOException {
        Blob b = store.write("t2", new Generated(9, 100), null, Long.MAX_VALUE);
        var head = server.client().headObject(h -> h.bucket(bucket).key("blobs/t2/" + b.sha256()));
        assertThat(head.contentLength()).isEqualTo(100);
    }
}
