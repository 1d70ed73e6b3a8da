package io.fleetkeeper.blobs.internal;

import io.fleetkeeper.blobs.Blob;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Blobs as objects {@code <prefix><namespace>/<sha256>} in one bucket. A blob smaller than a part is hashed in
 * memory and PUT under its name; a larger one streams as a multipart upload to {@code <prefix>.tmp/<random>},
 * one part in memory at a time, and once complete and checked is copied under its name and the temporary
 * object deleted. A failed upload is aborted; the sweep aborts multipart uploads and removes temporary
 * objects that a crash left behind.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final String prefix;
    private final int partSize;

    public S3BlobStore(S3Client s3, S3Presigner presigner, String bucket, String prefix, long partSize) {
        if (partSize < 5L * 1024 * 1024 || partSize > 1024L * 1024 * 1024) {
            throw new IllegalArgumentException("fleetkeeper.blobs.s3.part-size must be 5MB to 1GB");
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
        this.prefix = prefix;
        this.partSize = (int) partSize;
    }

    @Override
    public Blob write(String namespace, InputStream in, String expectedSha256, long maxBytes) throws IOException {
        Names.check(namespace);
        try (Hashing hashing = new Hashing(in, maxBytes)) {
            byte[] first = hashing.readNBytes(partSize);
            if (first.length < partSize) {
                Blob blob = hashing.blob();
                Hashing.check(blob, expectedSha256);
                s3.putObject(b -> b.bucket(bucket).key(key(namespace, blob.sha256())).contentLength((long) first.length),
                        RequestBody.fromBytes(first));
                return blob;
            }
            return multipart(namespace, hashing, first, expectedSha256);
        } catch (S3Exception e) {
            throw new IOException("S3 write failed: " + e.getMessage(), e);
        }
    }

    private Blob multipart(String namespace, Hashing hashing, byte[] first, String expectedSha256)
            throws IOException {
        String temp = prefix + ".tmp/" + UUID.randomUUID();
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(temp)).uploadId();
        boolean completed = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            byte[] part = first;
            while (part.length > 0) {
                int number = parts.size() + 1;
                byte[] body = part;
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(temp).uploadId(uploadId).partNumber(number)
                        .contentLength((long) body.length), RequestBody.fromBytes(body)).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                part = hashing.readNBytes(partSize);
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(temp).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
            completed = true;
            Blob blob = hashing.blob();
            Hashing.check(blob, expectedSha256);
            s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(temp).destinationBucket(bucket)
                    .destinationKey(key(namespace, blob.sha256())));
            return blob;
        } finally {
            if (completed) {
                s3.deleteObject(b -> b.bucket(bucket).key(temp));
            } else {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(temp).uploadId(uploadId));
            }
        }
    }

    @Override
    public InputStream read(String namespace, String sha256, long offset, long length) throws IOException {
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key(namespace, sha256))
                    .range("bytes=" + offset + "-" + (offset + length - 1)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchBlob(sha256);
        } catch (S3Exception e) {
            throw new IOException("S3 read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Stat> stat(String namespace, String sha256) throws IOException {
        try {
            HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key(namespace, sha256)));
            return Optional.of(new Stat(h.contentLength(), h.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("S3 stat failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String namespace, String sha256) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(namespace, sha256)));
        } catch (S3Exception e) {
            throw new IOException("S3 delete failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<URI> presign(String namespace, String sha256, Duration ttl) {
        String key = key(namespace, sha256);
        try {
            return Optional.of(presigner.presignGetObject(p -> p.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int sweep(Instant before) throws IOException {
        String temp = prefix + ".tmp/";
        int removed = 0;
        try {
            for (MultipartUpload u : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(temp)).uploads()) {
                if (u.initiated() != null && u.initiated().isBefore(before)) {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                    removed++;
                }
            }
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(temp)).contents()) {
                if (o.lastModified().isBefore(before)) {
                    s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
                    removed++;
                }
            }
        } catch (S3Exception e) {
            throw new IOException("S3 sweep failed: " + e.getMessage(), e);
        }
        return removed;
    }

    /** Closes the SDK clients (their connection pools). */
    @Override
    public void close() {
        presigner.close();
        s3.close();
    }

    private String key(String namespace, String sha256) {
        Names.check(namespace);
        Names.checkSha256(sha256);
        return prefix + namespace + "/" + sha256;
    }
}
