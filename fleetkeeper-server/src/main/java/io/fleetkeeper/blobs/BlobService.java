package io.fleetkeeper.blobs;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.blobs.internal.BlobRepository;
import io.fleetkeeper.blobs.internal.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tenants' blobs (firmware artifacts, exports), content-addressed by SHA-256 and reference-counted. Storing
 * is two steps so that the bytes stream outside any transaction and the reference is taken in the caller's:
 * {@link #store} streams and hashes (nothing is referenced yet), {@link #retain} takes a reference and counts
 * the bytes against the tenant's quota in the caller's transaction, and when that transaction fails the
 * caller {@link #discard}s. {@link #release} drops a reference; the last one removes the blob as its
 * transaction commits.
 */
@Service
public class BlobService {

    private static final Logger log = LoggerFactory.getLogger(BlobService.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private final BlobStore store;
    private final BlobRepository blobs;
    private final BlobProperties props;
    private final Clock clock;

    BlobService(BlobStore store, BlobRepository blobs, BlobProperties props, Clock clock) {
        this.store = store;
        this.blobs = blobs;
        this.props = props;
        this.clock = clock;
    }

    /**
     * Streams a blob into the store (never whole in memory), computing its digests. 400 INVALID_PARAMETER for
     * a malformed {@code expectedSha256}, 400 DIGEST_MISMATCH when it differs, 413 QUOTA_EXCEEDED or
     * PAYLOAD_TOO_LARGE when the stream (or its {@code declaredLength}, -1 when unknown) passes the tenant's
     * remaining quota or the largest blob; in each case nothing is kept.
     */
    public Blob store(UUID tenantId, InputStream in, String expectedSha256, long declaredLength) {
        if (expectedSha256 != null && !SHA256.matcher(expectedSha256).matches()) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "sha256 must be 64 hexadecimal digits");
        }
        long remaining = props.tenantQuota().toBytes() - blobs.usage(tenantId).bytes();
        long max = Math.min(props.maxBlobSize().toBytes(), Math.max(0, remaining));
        if (declaredLength > max) {
            throw tooLarge(remaining, declaredLength);
        }
        try {
            return store.write(namespace(tenantId), in, expectedSha256 == null ? null
                    : expectedSha256.toLowerCase(java.util.Locale.ROOT), max);
        } catch (BlobStore.TooLarge e) {
            throw tooLarge(remaining, -1);
        } catch (BlobStore.DigestMismatch e) {
            throw new ApiException(ErrorCode.DIGEST_MISMATCH, "the content's SHA-256 is " + e.actual()
                    + ", not the expected " + expectedSha256.toLowerCase(java.util.Locale.ROOT) + "; nothing was kept",
                    Map.of("actual_sha256", e.actual()));
        } catch (IOException e) {
            throw new UncheckedIOException("blob upload failed", e);
        }
    }

    private ApiException tooLarge(long remaining, long declared) {
        long maxBlob = props.maxBlobSize().toBytes();
        String what = declared >= 0 ? declared + " bytes" : "the upload";
        if (remaining < maxBlob) {
            return new ApiException(ErrorCode.QUOTA_EXCEEDED, what + " would exceed the tenant's storage quota of "
                    + props.tenantQuota().toBytes() + " bytes (" + Math.max(0, remaining) + " left)");
        }
        return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, what + " exceeds the largest blob of " + maxBlob
                + " bytes");
    }

    /**
     * Takes a reference to a stored blob in the caller's transaction; a blob new to the tenant counts against
     * its quota (413 QUOTA_EXCEEDED when it no longer fits: two uploads raced for the last bytes).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void retain(UUID tenantId, Blob blob) {
        if (blobs.reference(tenantId, blob, clock.millis())
                && !blobs.addUsage(tenantId, blob.size(), props.tenantQuota().toBytes())) {
            throw new ApiException(ErrorCode.QUOTA_EXCEEDED, "the upload would exceed the tenant's storage quota of "
                    + props.tenantQuota().toBytes() + " bytes");
        }
        // A release of the same bytes that committed just before this reference deleted them before its commit
        // (see release): the reference is now the row's, so no later release can race it, but the bytes may be gone.
        if (stored(tenantId, blob.sha256()).isEmpty()) {
            throw new ApiException(ErrorCode.CONFLICT, "the same content was being deleted while it was uploaded;"
                    + " upload it again");
        }
    }

    private Optional<BlobStore.Stat> stored(UUID tenantId, String sha256) {
        try {
            return store.stat(namespace(tenantId), sha256);
        } catch (IOException e) {
            throw new UncheckedIOException("blob stat failed", e);
        }
    }

    /** After a failed {@link #retain} (or its transaction): removes the stored bytes unless something refers to them. */
    public void discard(UUID tenantId, Blob blob) {
        if (blobs.find(tenantId, blob.sha256()).isEmpty()) {
            deleteQuietly(tenantId, blob.sha256());
        }
    }

    /**
     * Drops a reference in the caller's transaction. The last one deletes the row and, just before that
     * transaction commits (still holding the row's lock), the bytes: a concurrent {@link #retain} of the same
     * bytes either came first (the count is not zero, nothing is deleted) or waits for this commit and then finds
     * the bytes gone (409, upload again), never a reference to missing bytes.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void release(UUID tenantId, String sha256) {
        blobs.release(tenantId, sha256).ifPresent(b -> TransactionSynchronizationManager.registerSynchronization(
                new TransactionSynchronization() {
                    @Override
                    public void beforeCommit(boolean readOnly) {
                        deleteQuietly(tenantId, sha256);
                    }
                }));
    }

    /** The tenant's referenced blob, if any. */
    public Optional<Blob> stat(UUID tenantId, String sha256) {
        return blobs.find(tenantId, sha256);
    }

    /** {@code length} bytes of the tenant's blob from {@code offset}, streamed from the store. */
    public InputStream open(UUID tenantId, String sha256, long offset, long length) {
        try {
            return store.read(namespace(tenantId), sha256, offset, length);
        } catch (BlobStore.NoSuchBlob e) {
            throw ApiException.notFound("blob");
        } catch (IOException e) {
            throw new UncheckedIOException("blob read failed", e);
        }
    }

    /** A short-lived URL reading the blob straight from the object store; empty for the filesystem store. */
    public Optional<URI> presign(UUID tenantId, String sha256, Duration ttl) {
        return store.presign(namespace(tenantId), sha256, ttl);
    }

    public BlobUsage usage(UUID tenantId) {
        BlobRepository.Usage u = blobs.usage(tenantId);
        return new BlobUsage(u.blobs(), u.bytes(), props.tenantQuota().toBytes());
    }

    private void deleteQuietly(UUID tenantId, String sha256) {
        try {
            store.delete(namespace(tenantId), sha256);
        } catch (IOException | RuntimeException e) {
            log.warn("could not delete blob {} of tenant {}: {}", sha256, tenantId, e.toString());
        }
    }

    private static String namespace(UUID tenantId) {
        return tenantId.toString();
    }
}
