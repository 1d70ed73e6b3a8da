package io.fleetkeeper.export.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.blobs.Blob;
import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.export.Export;
import io.fleetkeeper.export.ExportProperties;
import io.fleetkeeper.export.ExportStatus;
import io.fleetkeeper.store.ReadSnapshot;
import io.fleetkeeper.tenancy.Caller;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs one claimed export: pages of rows from the owning feature's service are formatted, compressed and piped
 * into the blob store, which a second thread streams in (nothing whole in memory). Every page is read in one
 * snapshot of the database ({@link ReadSnapshot}). Progress renews the lease;
 * when the export was canceled, deleted or taken over meanwhile, it stops and its bytes are discarded. The
 * artifact's reference and the SUCCEEDED mark are written in one transaction, so there is never a half artifact
 * marked done.
 */
@Component
class ExportRun {

    private static final Logger log = LoggerFactory.getLogger(ExportRun.class);

    /** The export is no longer this node's to finish. */
    private static final class Lost extends RuntimeException {
        Lost() {
            super(null, null, false, false);
        }
    }

    private final ExportRepository exports;
    private final Sources sources;
    private final BlobService blobs;
    private final AuditService audit;
    private final ExportProperties props;
    private final Clock clock;
    private final JsonMapper json;
    private final ReadSnapshot snapshot;
    private final TransactionTemplate write;
    private final ScheduleDelivery delivery;

    ExportRun(ExportRepository exports, Sources sources, BlobService blobs, AuditService audit,
            ExportProperties props, Clock clock, JsonMapper json, ReadSnapshot snapshot,
            PlatformTransactionManager txManager, ScheduleDelivery delivery) {
        this.delivery = delivery;
        this.exports = exports;
        this.sources = sources;
        this.blobs = blobs;
        this.audit = audit;
        this.props = props;
        this.clock = clock;
        this.json = json;
        this.snapshot = snapshot;
        this.write = new TransactionTemplate(txManager);
        write.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    void run(UUID tenantId, Export e, String holder) {
        long[] rows = {0};
        Blob blob = null;
        CompletableFuture<Blob> stored = null;
        try (var storeThread = Executors.newVirtualThreadPerTaskExecutor()) {
            PipedInputStream in = new PipedInputStream(64 * 1024);
            PipedOutputStream pipe = new PipedOutputStream(in);
            stored = CompletableFuture.supplyAsync(() -> {
                try (in) {
                    return blobs.store(tenantId, in, null, -1);
                } catch (IOException x) {
                    throw new UncheckedIOException(x);
                }
            }, storeThread);
            boolean complete = false;
            try (OutputStream out = "gzip".equals(e.compression()) ? new GZIPOutputStream(pipe, 64 * 1024) : pipe) {
                Runnable body = () -> writeRows(tenantId, e, holder, out, rows);
                snapshot.run(body);
                complete = true;
            } finally {
                if (!complete) {
                    pipe.close();
                }
            }
            blob = stored.get();
            Blob done = blob;
            Boolean finished = write.execute(s -> {
                long now = clock.millis();
                if (!exports.finish(tenantId, e.id(), holder, ExportStatus.SUCCEEDED, rows[0], done.size(),
                        done.sha256(), null, now, now + props.retention().toMillis())) {
                    return false;
                }
                blobs.retain(tenantId, done);
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("rows", rows[0]);
                details.put("size", done.size());
                details.put("sha256", done.sha256());
                audit.recordDetails(tenantId, Caller.system(tenantId), "export.succeed", "export",
                        e.id().toString(), details);
                return true;
            });
            if (!Boolean.TRUE.equals(finished)) {
                blobs.discard(tenantId, blob);
            } else if (e.scheduleId() != null) {
                delivery.deliver(tenantId, e.id());
            }
        } catch (Lost lost) {
            discardPartial(tenantId, stored, blob);
            log.info("export {} of tenant {} stopped: canceled, deleted or taken over", e.id(), tenantId);
        } catch (Exception x) {
            discardPartial(tenantId, stored, blob);
            fail(tenantId, e, holder, rows[0], x);
        }
    }

    /** Removes the bytes an interrupted export left in the store (unless something refers to them). */
    private void discardPartial(UUID tenantId, CompletableFuture<Blob> stored, Blob blob) {
        Blob partial = blob;
        if (partial == null && stored != null) {
            partial = stored.exceptionally(t -> null).join();
        }
        if (partial != null) {
            blobs.discard(tenantId, partial);
        }
    }

    private void writeRows(UUID tenantId, Export e, String holder, OutputStream out, long[] rows) {
        Sources.Source source = sources.of(tenantId, e);
        List<String> columns = Sources.columns(e);
        boolean narrow = e.columns() != null;
        long[] lastRenew = {clock.millis()};
        try (RowWriter w = RowWriter.of(e.format(), new NonClosing(out), columns, json)) {
            source.rows(props.pageSize(), item -> {
                w.row(Sources.cells(item, columns), narrow ? item.retain(columns) : item);
                rows[0]++;
                if (clock.millis() - lastRenew[0] >= 1000) {
                    renew(tenantId, e, holder, rows[0]);
                    lastRenew[0] = clock.millis();
                }
            });
            renew(tenantId, e, holder, rows[0]);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private void renew(UUID tenantId, Export e, String holder, long rows) {
        Boolean ours = write.execute(s -> exports.renew(tenantId, e.id(), holder,
                clock.millis() + props.lease().toMillis(), rows));
        if (!Boolean.TRUE.equals(ours)) {
            throw new Lost();
        }
    }

    private void fail(UUID tenantId, Export e, String holder, long rows, Exception x) {
        Throwable cause = x instanceof ExecutionException && x.getCause() != null ? x.getCause() : x;
        String message = cause instanceof ApiException api ? api.getMessage() : "the export failed";
        log.warn("export {} of tenant {} failed: {}", e.id(), tenantId, cause.toString());
        try {
            write.executeWithoutResult(s -> {
                long now = clock.millis();
                if (exports.finish(tenantId, e.id(), holder, ExportStatus.FAILED, rows, null, null, message, now,
                        now + props.retention().toMillis())) {
                    audit.record(tenantId, Caller.system(tenantId), "export.fail", "export", e.id().toString(),
                            null);
                }
            });
        } catch (RuntimeException y) {
            log.warn("could not mark export {} failed: {}", e.id(), y.toString());
        }
    }

    /** Lets the row writer flush its encoder without closing the compressed stream under it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
