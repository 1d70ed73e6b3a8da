package io.fleetkeeper.provisioning;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.DeviceRules;
import io.fleetkeeper.provisioning.Manifest.Entry;
import io.fleetkeeper.provisioning.Manifest.RejectedLine;
import io.fleetkeeper.provisioning.internal.ManifestRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Batch manifests for zero-touch provisioning: CSV uploads of up to 1,000,000 serials, read as a stream
 * and stored in batches. A serial already known to the tenant, repeated, or malformed is reported by
 * its line and skipped; the rest are added.
 */
@Service
public class ManifestService {

    public static final int MAX_ROWS = 1_000_000;
    private static final int BATCH = 1000;
    private static final int LISTED = 1000;

    private final ManifestRepository manifests;
    private final AuditService audit;
    private final TransactionTemplate tx;
    private final Clock clock;

    ManifestService(ManifestRepository manifests, AuditService audit, PlatformTransactionManager txm, Clock clock) {
        this.manifests = manifests;
        this.audit = audit;
        this.tx = new TransactionTemplate(txm);
        this.clock = clock;
    }

    /** Reads {@code csv} (header: serial, device_type, metadata.KEY…) into a new manifest. */
    public Manifest.Upload upload(Caller caller, String name, Reader csv) {
        UUID tenantId = caller.tenantId();
        new Violations().required("name", name).maxLength("name", name, 200).throwIfAny();
        CSVParser parser;
        try {
            parser = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true)
                    .setTrim(true).get().parse(csv);
        } catch (IOException | IllegalArgumentException e) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "manifest is not CSV with a header row: "
                    + e.getMessage());
        }
        List<String> header = parser.getHeaderNames();
        List<String> unknown = header.stream().filter(h -> !h.equals("serial") && !h.equals("device_type")
                && !h.equals("template_id")
                && !(h.startsWith("metadata.") && h.length() > 9)).toList();
        if (!header.contains("serial") || !header.contains("device_type") || !unknown.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "manifest columns must be serial, device_type, "
                    + "template_id (optional) and metadata.KEY" + (unknown.isEmpty() ? "" : "; unknown: " + unknown));
        }
        Manifest m = new Manifest(Ids.newId(clock), name, 0, 0, caller.actor(), Times.now(clock));
        tx.executeWithoutResult(s -> manifests.insert(tenantId, m));
        long total = 0;
        long added = 0;
        long rejected = 0;
        List<RejectedLine> listed = new ArrayList<>();
        List<Entry> batch = new ArrayList<>(BATCH);
        Map<String, Long> batchLines = new HashMap<>();
        try {
            for (CSVRecord r : parser) {
                long line = parser.getCurrentLineNumber();
                if (++total > MAX_ROWS) {
                    throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "a manifest holds at most " + MAX_ROWS
                            + " rows; split the file (the first " + MAX_ROWS + " rows were stored as '" + name + "')");
                }
                String why = check(r, header);
                if (why == null && batchLines.containsKey(r.get("serial"))) {
                    why = "duplicate serial (also on line " + batchLines.get(r.get("serial")) + ")";
                }
                if (why != null) {
                    rejected++;
                    if (listed.size() < LISTED) {
                        listed.add(new RejectedLine(line, why));
                    }
                    continue;
                }
                Map<String, String> meta = new LinkedHashMap<>();
                header.stream().filter(h -> h.startsWith("metadata.") && !r.get(h).isEmpty())
                        .forEach(h -> meta.put(h.substring(9), r.get(h)));
                String template = header.contains("template_id") && !r.get("template_id").isEmpty()
                        ? r.get("template_id") : null;
                batch.add(new Entry(r.get("serial"), m.id(), r.get("device_type"), meta, line, null,
                        template == null ? null : UUID.fromString(template)));
                batchLines.put(r.get("serial"), line);
                if (batch.size() == BATCH) {
                    long[] outcome = flush(tenantId, batch, listed);
                    added += outcome[0];
                    rejected += outcome[1];
                    batch.clear();
                    batchLines.clear();
                }
            }
            long[] outcome = flush(tenantId, batch, listed);
            added += outcome[0];
            rejected += outcome[1];
        } catch (UncheckedIOException e) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "manifest could not be read: " + e.getMessage());
        } finally {
            long t = Math.min(total, MAX_ROWS);
            long a = added;
            tx.executeWithoutResult(s -> {
                manifests.counts(tenantId, m.id(), t, a);
                audit.record(tenantId, caller, "manifest.upload", "manifest", m.id().toString(),
                        "{\"rows\":" + t + ",\"added\":" + a + "}");
            });
        }
        return new Manifest.Upload(get(tenantId, m.id()), rejected, listed);
    }

    private long[] flush(UUID tenantId, List<Entry> batch, List<RejectedLine> listed) {
        if (batch.isEmpty()) {
            return new long[] {0, 0};
        }
        Set<String> known = manifests.existing(tenantId, batch.stream().map(Entry::serial).toList());
        List<Entry> fresh = new ArrayList<>();
        long rejected = 0;
        for (Entry e : batch) {
            if (known.contains(e.serial())) {
                rejected++;
                if (listed.size() < LISTED) {
                    listed.add(new RejectedLine(e.line(), "serial is already in a manifest of this tenant"));
                }
            } else {
                fresh.add(e);
            }
        }
        tx.executeWithoutResult(s -> manifests.insertEntries(tenantId, fresh));
        return new long[] {fresh.size(), rejected};
    }

    private static String check(CSVRecord r, List<String> header) {
        if (!r.isConsistent()) {
            return "row has " + r.size() + " cells, the header has " + header.size();
        }
        Violations v = new Violations();
        DeviceRules.serial(v, r.get("serial"));
        v.required("serial", r.get("serial"));
        DeviceRules.type(v, r.get("device_type"));
        if (header.contains("template_id") && !r.get("template_id").isEmpty()
                && io.fleetkeeper.store.Ids.parseOrNull(r.get("template_id")) == null) {
            v.add("template_id", "must be a template id");
        }
        if (v.isEmpty()) {
            return null;
        }
        try {
            v.throwIfAny();
        } catch (ApiException e) {
            return e.errors().stream().map(f -> f.field() + " " + f.message()).reduce((a, b) -> a + "; " + b)
                    .orElse("invalid");
        }
        return null;
    }

    public Manifest get(UUID tenantId, UUID id) {
        return manifests.find(tenantId, id).orElseThrow(() -> ApiException.notFound("manifest"));
    }

    public Page<Manifest> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("manifest", cursor, limit, (after, fetch) -> manifests.list(tenantId, after, fetch),
                Manifest::id);
    }

    public Page<Entry> entries(UUID tenantId, UUID id, String cursor, int limit) {
        get(tenantId, id);
        Cursor c = Cursor.decode(cursor, "manifest-serial");
        return Page.of(manifests.entries(tenantId, id, c == null ? null : c.key(), limit + 1), limit,
                e -> new Cursor("manifest-serial", e.serial(), e.serial()));
    }
}
