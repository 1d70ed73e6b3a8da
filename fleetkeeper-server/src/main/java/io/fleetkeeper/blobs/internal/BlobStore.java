package io.fleetkeeper.blobs.internal;

import io.fleetkeeper.blobs.Blob;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Where blob bytes live: content-addressed by SHA-256 inside a namespace (a tenant). A blob becomes visible
 * under its name only once it is complete, within its size limit and matching the expected digest; a failed
 * or interrupted write leaves nothing visible.
 */
public interface BlobStore {

    /**
     * Streams {@code in} into the store, computing SHA-256, SHA-1 and MD5 on the way, and keeps it under
     * {@code (namespace, sha256)}. Writing a blob that already exists replaces it with the same bytes.
     *
     * @throws TooLarge       when the stream passes {@code maxBytes} (nothing kept)
     * @throws DigestMismatch when {@code expectedSha256} is set and differs (nothing kept)
     */
    Blob write(String namespace, InputStream in, String expectedSha256, long maxBytes) throws IOException;

    /** {@code length} bytes from {@code offset}; {@link NoSuchBlob} when the blob is not there. */
    InputStream read(String namespace, String sha256, long offset, long length) throws IOException;

    /** The blob's size and last write, if it is there. */
    Optional<Stat> stat(String namespace, String sha256) throws IOException;

    /** Removes the blob; nothing happens when it is not there. */
    void delete(String namespace, String sha256) throws IOException;

    /** A URL that reads the blob directly from the store for {@code ttl}, when the store can issue one. */
    Optional<URI> presign(String namespace, String sha256, Duration ttl);

    /** Removes what interrupted writes left behind before {@code before}; returns how many. */
    int sweep(Instant before) throws IOException;

    /** Size and last modification of a stored blob. */
    record Stat(long size, Instant modified) {
    }

    /** The stream passed its size limit. */
    final class TooLarge extends IOException {
        public TooLarge(long limit) {
            super("blob exceeds " + limit + " bytes");
        }
    }

    /** The stream's SHA-256 differs from the one the client announced. */
    final class DigestMismatch extends IOException {
        private final String actual;

        public DigestMismatch(String expected, String actual) {
            super("SHA-256 is " + actual + ", expected " + expected);
            this.actual = actual;
        }

        public String actual() {
            return actual;
        }
    }

    /** The blob is not in the store. */
    final class NoSuchBlob extends IOException {
        public NoSuchBlob(String sha256) {
            super("no blob " + sha256);
        }
    }
}
