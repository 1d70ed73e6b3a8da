package io.fleetkeeper.blobs.internal;

import io.fleetkeeper.blobs.Blob;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs as files: {@code <root>/<namespace>/<sha256[0..2]>/<sha256>}. A write goes to
 * {@code <root>/.tmp/<random>.part}, is fsynced, then renamed atomically into place and the directory fsynced,
 * so a crash leaves either the whole blob or no blob under its name; the sweep removes stale {@code .part}
 * files.
 */
public final class FilesystemBlobStore implements BlobStore {

    private static final int BUFFER = 64 * 1024;

    private final Path root;
    private final Path tmp;

    public FilesystemBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve(".tmp");
        Files.createDirectories(tmp);
    }

    @Override
    public Blob write(String namespace, InputStream in, String expectedSha256, long maxBytes) throws IOException {
        Names.check(namespace);
        Path part = tmp.resolve(UUID.randomUUID() + ".part");
        try {
            Blob blob;
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    Hashing hashing = new Hashing(in, maxBytes)) {
                byte[] buffer = new byte[BUFFER];
                for (int n; (n = hashing.read(buffer)) > 0; ) {
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                }
                out.force(true);
                blob = hashing.blob();
            }
            Hashing.check(blob, expectedSha256);
            Path target = path(namespace, blob.sha256());
            Files.createDirectories(target.getParent());
            move(part, target);
            fsync(target.getParent());
            return blob;
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the blob directory must be on one file system with its .tmp directory", e);
        }
    }

    private static void fsync(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the rename itself is atomic
        }
    }

    @Override
    public InputStream read(String namespace, String sha256, long offset, long length) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path(namespace, sha256), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchBlob(sha256);
        }
        ch.position(offset);
        return new Bounded(Channels.newInputStream(ch), length);
    }

    @Override
    public Optional<Stat> stat(String namespace, String sha256) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path(namespace, sha256), BasicFileAttributes.class);
            return Optional.of(new Stat(a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String namespace, String sha256) throws IOException {
        Files.deleteIfExists(path(namespace, sha256));
    }

    @Override
    public Optional<URI> presign(String namespace, String sha256, Duration ttl) {
        return Optional.empty();
    }

    @Override
    public int sweep(Instant before) throws IOException {
        int removed = 0;
        try (Stream<Path> parts = Files.list(tmp)) {
            for (Path p : parts.filter(p -> p.getFileName().toString().endsWith(".part")).toList()) {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(before) && Files.deleteIfExists(p)) {
                        removed++;
                    }
                } catch (NoSuchFileException e) {
                    // finished or removed meanwhile
                }
            }
        }
        return removed;
    }

    private Path path(String namespace, String sha256) {
        Names.check(namespace);
        Names.checkSha256(sha256);
        return root.resolve(namespace).resolve(sha256.substring(0, 2)).resolve(sha256);
    }
}
