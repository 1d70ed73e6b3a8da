package io.fleetkeeper.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * {@code size} pseudo-random bytes made on the fly from a seed (never held in memory), for uploads larger
 * than any buffer; the same seed and size give the same bytes.
 */
public final class Generated extends InputStream {

    private final SplittableRandom random;
    private final long size;
    private long position;

    public Generated(long seed, long size) {
        this.random = new SplittableRandom(seed);
        this.size = size;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(len, size - position);
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) random.nextInt(256);
        }
        position += n;
        return n;
    }

    /** The lower-case hex {@code algorithm} digest of these bytes. */
    public static String digest(String algorithm, long seed, long size) {
        try (InputStream in = new Generated(seed, size)) {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256(long seed, long size) {
        return digest("SHA-256", seed, size);
    }

    /** Bytes {@code [from, from + length)} of the sequence. */
    public static byte[] slice(long seed, long from, int length) {
        try (InputStream in = new Generated(seed, from + length)) {
            in.skipNBytes(from);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
