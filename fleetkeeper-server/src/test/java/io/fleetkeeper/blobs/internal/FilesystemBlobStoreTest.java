package io.fleetkeeper.blobs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.Generated;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob store contract on the embedded default: files in a directory. */
class FilesystemBlobStoreTest implements BlobStoreContract {

    @TempDir
    Path dir;
    private FilesystemBlobStore store;

    @BeforeEach
    void open() throws IOException {
        store = new FilesystemBlobStore(dir);
    }

    @Override
    public BlobStore store() {
        return store;
    }

    @Override
    public long largeSize() {
        return 3 * 1024 * 1024 + 17;
    }

    /** Half a blob in {@code .tmp}, as a process killed in the middle of an upload leaves it. */
    @Override
    public void leaveInterruptedUpload(String namespace) throws IOException {
        try (InputStream in = new Generated(6, 500)) {
            Files.write(dir.resolve(".tmp").resolve("crashed.part"), in.readAllBytes());
        }
    }

    @Test
    void blobsAreFilesNamedByTheirDigestAndNoTemporaryFileStays() throws IOException {
        var b = store.write("t1", new Generated(7, 2000), null, Long.MAX_VALUE);
        Path file = dir.resolve("t1").resolve(b.sha256().substring(0, 2)).resolve(b.sha256());
        assertThat(Files.size(file)).isEqualTo(2000);
        try (Stream<Path> tmp = Files.list(dir.resolve(".tmp"))) {
            assertThat(tmp).isEmpty();
        }
    }
}
