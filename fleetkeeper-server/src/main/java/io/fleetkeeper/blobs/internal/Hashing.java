package io.fleetkeeper.blobs.internal;

import io.fleetkeeper.blobs.Blob;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reads a stream through SHA-256, SHA-1 and MD5 ({@link DigestInputStream}s) and counts its bytes, failing
 * with {@link BlobStore.TooLarge} as soon as it passes the limit.
 */
final class Hashing extends FilterInputStream {

    private final MessageDigest sha256;
    private final MessageDigest sha1;
    private final MessageDigest md5;
    private final long limit;
    private long count;

    Hashing(InputStream in, long limit) {
        this(in, limit, digest("SHA-256"), digest("SHA-1"), digest("MD5"));
    }

    private Hashing(InputStream in, long limit, MessageDigest sha256, MessageDigest sha1, MessageDigest md5) {
        super(new DigestInputStream(new DigestInputStream(new DigestInputStream(in, sha256), sha1), md5));
        this.sha256 = sha256;
        this.sha1 = sha1;
        this.md5 = md5;
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            add(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            add(n);
        }
        return n;
    }

    private void add(int n) throws BlobStore.TooLarge {
        count += n;
        if (count > limit) {
            throw new BlobStore.TooLarge(limit);
        }
    }

    /** The digests and size of everything read so far (call once, at the end). */
    Blob blob() {
        HexFormat hex = HexFormat.of();
        return new Blob(hex.formatHex(sha256.digest()), hex.formatHex(sha1.digest()), hex.formatHex(md5.digest()),
                count);
    }

    /** Throws {@link BlobStore.DigestMismatch} when {@code expected} is set and is not the blob's SHA-256. */
    static void check(Blob blob, String expected) throws BlobStore.DigestMismatch {
        if (expected != null && !expected.equalsIgnoreCase(blob.sha256())) {
            throw new BlobStore.DigestMismatch(expected, blob.sha256());
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
