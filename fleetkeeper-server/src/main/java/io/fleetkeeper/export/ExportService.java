package io.fleetkeeper.export;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.export.internal.ExportRepository;
import io.fleetkeeper.export.internal.LinkSigner;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.telemetry.TelemetrySettingsService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Export jobs: created QUEUED here, run by whichever node claims them (see the worker in {@code internal}),
 * listed, canceled, deleted and downloaded. A download is a short-lived link: a pre-signed URL of the object
 * store for S3, or a link to this server signed with an HMAC for the filesystem store. Every change is audited.
 */
@Service
public class ExportService {

    static final Set<String> FORMATS = Set.of("csv", "ndjson");
    static final Set<String> COMPRESSIONS = Set.of("gzip", "none");

    private final ExportRepository exports;
    private final FleetQueries fleet;
    private final BlobService blobs;
    private final AuditService audit;
    private final LinkSigner signer;
    private final TelemetrySettingsService telemetry;
    private final ExportProperties props;
    private final Clock clock;

    ExportService(ExportRepository exports, FleetQueries fleet, BlobService blobs, AuditService audit,
            LinkSigner signer, TelemetrySettingsService telemetry, ExportProperties props, Clock clock) {
        this.telemetry = telemetry;
        this.exports = exports;
        this.fleet = fleet;
        this.blobs = blobs;
        this.audit = audit;
        this.signer = signer;
        this.props = props;
        this.clock = clock;
    }

    /** Validates and queues an export: 400 VALIDATION_FAILED naming each bad field, nothing created. */
    @Transactional
    public Export create(Caller caller, NewExport in) {
        UUID tenantId = caller.tenantId();
        Violations v = new Violations();
        NewExport n = normalize(tenantId, in, v, true);
        v.throwIfAny();
        return queue(tenantId, caller, n, null);
    }

    /** Records a QUEUED export of the normalized request {@code n} (of a schedule, when given) and audits it. */
    Export queue(UUID tenantId, Caller caller, NewExport n, UUID scheduleId) {
        Export e = new Export(Ids.newId(clock), n.kind(), n.format(), n.compression(), n.query(), n.columns(),
                n.from(), n.to(), ExportStatus.QUEUED, 0, null, null, null, caller.actor(), Times.now(clock), null,
                null, scheduleId, 1);
        exports.insert(tenantId, e);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", e.kind());
        details.put("format", e.format());
        details.put("compression", e.compression());
        if (scheduleId != null) {
            details.put("schedule_id", scheduleId.toString());
        }
        audit.recordDetails(tenantId, caller, "export.create", "export", e.id().toString(), details);
        return e;
    }

    /**
     * Checks a request into {@code v} and returns it with its defaults filled in. {@code checkRange}: whether
     * {@code from}/{@code to} are checked (a schedule computes them at each run).
     */
    NewExport normalize(UUID tenantId, NewExport in, Violations v, boolean checkRange) {
        v.required("kind", in.kind());
        String kind = in.kind();
        if (kind != null && !ExportKinds.names().contains(kind)) {
            v.add("kind", "must be one of " + String.join(", ", ExportKinds.names()));
            kind = null;
        }
        String format = in.format() == null ? "csv" : in.format();
        if (!FORMATS.contains(format)) {
            v.add("format", "must be csv or ndjson");
        }
        String compression = in.compression() == null ? "gzip" : in.compression();
        if (!COMPRESSIONS.contains(compression)) {
            v.add("compression", "must be gzip or none");
        }
        String query = in.query() == null || in.query().isBlank() ? null : in.query();
        if (query != null && kind != null && !ExportKinds.QUERIED.contains(kind)) {
            v.add("query", "only exports of devices and their sub-resources take a fleet query");
        } else if (query != null) {
            try {
                fleet.parse(query);
            } catch (ApiException e) {
                v.add("query", e.getMessage());
            }
        }
        List<String> columns = in.columns() == null || in.columns().isEmpty() ? null : List.copyOf(in.columns());
        if (columns != null && kind != null) {
            List<String> known = ExportKinds.columns(kind);
            for (String c : columns) {
                if (!known.contains(c)) {
                    v.add("columns", "unknown column '" + c + "'; " + kind + " has " + String.join(", ", known));
                }
            }
            if (new java.util.HashSet<>(columns).size() != columns.size()) {
                v.add("columns", "a column is named twice");
            }
        }
        if (checkRange) {
            range(tenantId, kind, in.from(), in.to(), v);
        }
        return new NewExport(kind, query, in.from(), in.to(), columns, format, compression);
    }

    private void range(UUID tenantId, String kind, Instant from, Instant to, Violations v) {
        if (from == null && to == null || kind == null) {
            return;
        }
        if (!ExportKinds.TIME_RANGED.contains(kind)) {
            v.add("from", "only " + String.join(", ", ExportKinds.TIME_RANGED) + " exports take a time range");
            return;
        }
        if (from != null && to != null && !from.isBefore(to)) {
            v.add("to", "must be after from");
        }
        if ("telemetry".equals(kind) && from != null) {
            Instant oldest = clock.instant().minusMillis(telemetry.retentionMillis(tenantId));
            if (from.isBefore(oldest)) {
                v.add("from", "is beyond the tenant's telemetry retention (nothing is kept before " + oldest + ")");
            }
        }
    }

    public Export get(UUID tenantId, UUID id) {
        return exports.find(tenantId, id).orElseThrow(() -> ApiException.notFound("export"));
    }

    /** Newest first. */
    public Page<Export> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("-id", cursor, limit, (before, fetch) -> exports.list(tenantId, before, fetch),
                Export::id);
    }

    /** Cancels a queued or running export (a running one stops at its next page); 409 once it finished. */
    @Transactional
    public Export cancel(Caller caller, UUID id) {
        UUID tenantId = caller.tenantId();
        get(tenantId, id);
        long now = clock.millis();
        if (!exports.cancel(tenantId, id, now, now + props.retention().toMillis())) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "the export already finished");
        }
        audit.record(tenantId, caller, "export.cancel", "export", id.toString(), null);
        return get(tenantId, id);
    }

    /** Deletes an export and its artifact (a running export stops at its next page). */
    @Transactional
    public void delete(Caller caller, UUID id) {
        UUID tenantId = caller.tenantId();
        Export e = get(tenantId, id);
        if (exports.delete(tenantId, id) && e.status() == ExportStatus.SUCCEEDED && e.sha256() != null) {
            blobs.release(tenantId, e.sha256());
        }
        audit.record(tenantId, caller, "export.delete", "export", id.toString(), null);
    }

    /**
     * Where to download a succeeded export's artifact: a pre-signed object-store URL, or a signed link to
     * {@code /downloads/exports/...} on this server. 409 INVALID_TRANSITION while it has no artifact.
     */
    public URI downloadLocation(UUID tenantId, UUID id) {
        Export e = get(tenantId, id);
        if (e.status() != ExportStatus.SUCCEEDED) {
            throw new ApiException(ErrorCode.INVALID_TRANSITION, "the export has no artifact (it is "
                    + e.status().name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        return blobs.presign(tenantId, e.sha256(), props.linkTtl())
                .orElseGet(() -> signedLink("", tenantId, id, props.linkTtl()));
    }

    /**
     * The link a succeeded export's artifact is sent out with (a scheduled run's notice): a pre-signed object-store
     * URL, or a signed link under {@code fleetkeeper.exports.public-url}, valid for {@code delivered-link-ttl};
     * null for the filesystem store when no public URL is set.
     */
    public URI deliveredLink(UUID tenantId, Export e) {
        java.time.Duration ttl = props.deliveredLinkTtl();
        String base = props.publicUrl().replaceAll("/+$", "");
        return blobs.presign(tenantId, e.sha256(), ttl)
                .orElseGet(() -> base.isEmpty() ? null : signedLink(base, tenantId, e.id(), ttl));
    }

    /** A link to {@code /downloads/exports/...} on this server under {@code base}, signed, valid for {@code ttl}. */
    private URI signedLink(String base, UUID tenantId, UUID id, java.time.Duration ttl) {
        long expires = clock.instant().plus(ttl).getEpochSecond();
        return URI.create(base + "/downloads/exports/" + tenantId + "/" + id + "?expires=" + expires + "&signature="
                + signer.sign(tenantId, id, expires));
    }

    /** How long a delivered link lives ({@code fleetkeeper.exports.delivered-link-ttl}). */
    public java.time.Duration deliveredLinkTtl() {
        return props.deliveredLinkTtl();
    }

    /** An artifact opened through a signed link: 403 FORBIDDEN when the signature is wrong or it expired. */
    public Artifact openSigned(UUID tenantId, UUID id, long expires, String signature) {
        if (!signer.verify(tenantId, id, expires, signature)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "the download link is not valid");
        }
        if (Instant.ofEpochSecond(expires).isBefore(clock.instant())) {
            throw new ApiException(ErrorCode.FORBIDDEN, "the download link expired; ask for a new one");
        }
        Export e = exports.find(tenantId, id).filter(x -> x.status() == ExportStatus.SUCCEEDED)
                .orElseThrow(() -> ApiException.notFound("export"));
        return new Artifact(e, blobs.open(tenantId, e.sha256(), 0, e.size()));
    }

    /** An export's artifact being read. */
    public record Artifact(Export export, InputStream content) {
    }
}
