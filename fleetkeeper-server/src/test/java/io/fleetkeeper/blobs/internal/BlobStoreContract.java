package io.fleetkeeper.blobs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.blobs.Blob;
import io.fleetkeeper.testing.Generated;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The blob store contract, run against the filesystem store and against S3 (S3Proxy): streamed writes with
 * their digests, range reads, content addressing, and that a failed or interrupted write leaves nothing
 * visible. Each test works in a namespace of its own.
 */
public interface BlobStoreContract {

    /** The store under test. */
    BlobStore store();

    /** A blob larger than one part/buffer of the store (several multipart parts on S3). */
    long largeSize();

    /** Leaves what a crash in the middle of an upload would leave in the store's temporary area. */
    void leaveInterruptedUpload(String namespace) throws IOException;

    private static String namespace() {
        return UUID.randomUUID().toString();
    }

    @Test
    default void smallBlobKeepsItsBytesAndAllThreeDigests() throws IOException {
        String ns = namespace();
        Blob b = store().write(ns, new Generated(1, 1000), null, Long.MAX_VALUE);
        assertThat(b.size()).isEqualTo(1000);
        assertThat(b.sha256()).isEqualTo(Generated.sha256(1, 1000));
        assertThat(b.sha1()).isEqualTo(Generated.digest("SHA-1", 1, 1000));
        assertThat(b.md5()).isEqualTo(Generated.digest("MD5", 1, 1000));
        try (InputStream in = store().read(ns, b.sha256(), 0, 1000)) {
            assertThat(in.readAllBytes()).isEqualTo(Generated.slice(1, 0, 1000));
        }
        assertThat(store().stat(ns, b.sha256())).hasValueSatisfying(s -> assertThat(s.size()).isEqualTo(1000));
    }

    @Test
    default void largeBlobStreamsInAndReadsBackByRange() throws IOException {
        String ns = namespace();
        long size = largeSize();
        String sha = Generated.sha256(2, size);
        Blob b = store().write(ns, new Generated(2, size), sha, Long.MAX_VALUE);
        assertThat(b.sha256()).isEqualTo(sha);
        assertThat(b.size()).isEqualTo(size);
        assertThat(b.md5()).isEqualTo(Generated.digest("MD5", 2, size));
        long from = size / 2 - 10;
        try (InputStream in = store().read(ns, sha, from, 4096)) {
            assertThat(in.readAllBytes()).isEqualTo(Generated.slice(2, from, 4096));
        }
        try (InputStream in = store().read(ns, sha, size - 7, 7)) {
            assertThat(in.readAllBytes()).isEqualTo(Generated.slice(2, size - 7, 7));
        }
        assertThat(store().sweep(Instant.now().plus(Duration.ofDays(1)))).as("temporary left-overs").isZero();
    }

    @Test
    default void wrongExpectedDigestKeepsNothing() throws IOException {
        String ns = namespace();
        String wrong = Generated.sha256(99, 10);
        for (long size : new long[] {500, largeSize()}) {
            assertThatThrownBy(() -> store().write(ns, new Generated(3, size), wrong, Long.MAX_VALUE))
                    .isInstanceOf(BlobStore.DigestMismatch.class);
            assertThat(store().stat(ns, Generated.sha256(3, size))).isEmpty();
            assertThat(store().stat(ns, wrong)).isEmpty();
        }
        assertThat(store().sweep(Instant.now().plus(Duration.ofDays(1)))).as("temporary left-overs").isZero();
    }

    @Test
    default void streamPastTheLimitKeepsNothing() throws IOException {
        String ns = namespace();
        for (long size : new long[] {500, largeSize()}) {
            assertThatThrownBy(() -> store().write(ns, new Generated(4, size), null, size - 1))
                    .isInstanceOf(BlobStore.TooLarge.class);
            assertThat(store().stat(ns, Generated.sha256(4, size))).isEmpty();
        }
        Blob exact = store().write(ns, new Generated(4, 500), null, 500);
        assertThat(exact.size()).isEqualTo(500);
        assertThat(store().sweep(Instant.now().plus(Duration.ofDays(1)))).as("temporary left-overs").isZero();
    }

    @Test
    default void interruptedStreamKeepsNothing() throws IOException {
        String ns = namespace();
        long size = largeSize();
        InputStream broken = new SequenceInputStream(new Generated(5, size - 100), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });
        assertThatThrownBy(() -> store().write(ns, broken, null, Long.MAX_VALUE)).isInstanceOf(IOException.class)
                .hasMessageContaining("connection reset");
        assertThat(store().stat(ns, Generated.sha256(5, size - 100))).isEmpty();
        assertThat(store().sweep(Instant.now().plus(Duration.ofDays(1)))).as("temporary left-overs").isZero();
    }

    @Test
    default void sameContentIsOneBlobAndNamespacesAreApart() throws IOException {
        String a = namespace();
        String b = namespace();
        Blob first = store().write(a, new ByteArrayInputStream("hello".getBytes()), null, 100);
        Blob second = store().write(a, new ByteArrayInputStream("hello".getBytes()), null, 100);
        assertThat(second).isEqualTo(first);
        assertThat(first.sha256()).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(store().stat(b, first.sha256())).isEmpty();
        assertThatThrownBy(() -> store().read(b, first.sha256(), 0, 5)).isInstanceOf(BlobStore.NoSuchBlob.class);
        store().delete(a, first.sha256());
        assertThat(store().stat(a, first.sha256())).isEmpty();
        assertThatThrownBy(() -> store().read(a, first.sha256(), 0, 5)).isInstanceOf(BlobStore.NoSuchBlob.class);
        store().delete(a, first.sha256()); // twice is harmless
    }

    @Test
    default void leftOversOfACrashAreInvisibleAndSweptOnceStale() throws IOException {
        String ns = namespace();
        leaveInterruptedUpload(ns);
        assertThat(store().stat(ns, Generated.sha256(6, 1000))).isEmpty();
        assertThat(store().sweep(Instant.now().minus(Duration.ofHours(1)))).as("not stale yet").isZero();
        assertThat(store().sweep(Instant.now().plus(Duration.ofMinutes(1)))).isPositive();
        assertThat(store().sweep(Instant.now().plus(Duration.ofMinutes(1)))).isZero();
    }

    @Test
    default void namesThatCouldLeaveTheStoreAreRefused() {
        assertThatThrownBy(() -> store().write("../x", new ByteArrayInputStream(new byte[1]), null, 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store().read(namespace(), "../../etc/passwd", 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
