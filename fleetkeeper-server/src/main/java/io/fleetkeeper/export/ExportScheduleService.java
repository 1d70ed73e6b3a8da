package io.fleetkeeper.export;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.event.NotificationChannelService;
import io.fleetkeeper.export.internal.ExportRepository;
import io.fleetkeeper.export.internal.ScheduleRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Scheduled exports: a cron expression in a time zone queues an export at each occurrence. Any node may queue a
 * run: the schedule's next run time is advanced by a conditional update in the transaction that queues the export,
 * so a run is queued once however many nodes look. Runs missed while no node was up are not replayed: the next
 * due check queues one and moves on to the next occurrence after now.
 */
@Service
public class ExportScheduleService {

    private static final Logger log = LoggerFactory.getLogger(ExportScheduleService.class);
    static final Duration MIN_INTERVAL = Duration.ofMinutes(1);
    private static final Set<String> PATCHABLE = Set.of("name", "query", "columns", "format", "compression", "cron",
            "zone", "window_seconds", "retain", "channel_id");

    private final ScheduleRepository schedules;
    private final ExportRepository exports;
    private final ExportService exportService;
    private final BlobService blobs;
    private final AuditService audit;
    private final Clock clock;
    private final TransactionTemplate tx;
    private final JsonMapper json;
    private final NotificationChannelService channels;

    ExportScheduleService(ScheduleRepository schedules, ExportRepository exports, ExportService exportService,
            BlobService blobs, AuditService audit, Clock clock, PlatformTransactionManager txManager,
            JsonMapper json, NotificationChannelService channels) {
        this.channels = channels;
        this.json = json;
        this.schedules = schedules;
        this.exports = exports;
        this.exportService = exportService;
        this.blobs = blobs;
        this.audit = audit;
        this.clock = clock;
        this.tx = new TransactionTemplate(txManager);
    }

    /** Validates and records a schedule: 400 VALIDATION_FAILED naming each bad field, nothing created. */
    @Transactional
    public ExportSchedule create(Caller caller, NewExportSchedule in) {
        UUID tenantId = caller.tenantId();
        Checked c = check(tenantId, in);
        ExportSchedule s = new ExportSchedule(Ids.newId(clock), in.name(), c.export().kind(), c.export().format(),
                c.export().compression(), c.export().query(), c.export().columns(), c.windowSeconds(), in.cron(),
                c.zone(), c.retain(), c.next(), null, caller.actor(), Times.now(clock), 1, in.channelId(), null, null);
        schedules.insert(tenantId, s);
        audit.recordDetails(tenantId, caller, "export_schedule.create", "export_schedule", s.id().toString(),
                auditDetails(s));
        return s;
    }

    /**
     * Applies an RFC 7396 merge patch to a schedule (every field but {@code kind}), checked as on create: 400
     * VALIDATION_FAILED naming each bad field and nothing changes; 412 PRECONDITION_FAILED when
     * {@code expectedVersion} is given and is not the current version. A changed {@code cron} or {@code zone}
     * moves the next run to the new expression's next occurrence after now; otherwise it stays.
     */
    @Transactional
    public ExportSchedule update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch.of(patch, PATCHABLE);
        ExportSchedule cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "the export schedule has changed; its current ETag is \"" + cur.version() + "\"");
        }
        ObjectNode merged = json.valueToTree(new NewExportSchedule(cur.name(), cur.kind(), cur.query(),
                cur.columns(), cur.format(), cur.compression(), cur.cron(), cur.zone(), cur.windowSeconds(),
                cur.retain(), cur.channelId()));
        patch.properties().forEach(m -> merged.set(m.getKey(), m.getValue()));
        NewExportSchedule in;
        try {
            in = json.treeToValue(merged, NewExportSchedule.class);
        } catch (JacksonException e) {
            String field = e.getPath().isEmpty() || e.getPath().getLast().getPropertyName() == null ? "body"
                    : e.getPath().getLast().getPropertyName();
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "a field has the wrong type",
                    List.of(new ApiException.FieldError(field, "has the wrong type")));
        }
        Checked c = check(tenantId, in);
        boolean moved = !cur.cron().equals(in.cron()) || !cur.zone().equals(c.zone());
        ExportSchedule next = new ExportSchedule(id, in.name(), cur.kind(), c.export().format(),
                c.export().compression(), c.export().query(), c.export().columns(), c.windowSeconds(), in.cron(),
                c.zone(), c.retain(), moved ? c.next() : cur.nextRunAt(), cur.lastRunAt(), cur.createdBy(),
                cur.createdAt(), cur.version() + 1, in.channelId(), cur.lastDeliveryAt(), cur.lastDeliveryError());
        if (!schedules.update(tenantId, next, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "the export schedule changed concurrently (a run was queued); read it again");
        }
        audit.recordDetails(tenantId, caller, "export_schedule.update", "export_schedule", id.toString(),
                auditDetails(next));
        return next;
    }

    /** A schedule request's checked and normalized fields, and its first run after now. */
    private record Checked(NewExport export, String zone, Long windowSeconds, int retain, Instant next) {
    }

    private Checked check(UUID tenantId, NewExportSchedule in) {
        Violations v = new Violations();
        v.required("name", in.name());
        v.maxLength("name", in.name(), 200);
        NewExport n = exportService.normalize(tenantId, new NewExport(in.kind(), in.query(), null, null,
                in.columns(), in.format(), in.compression()), v, false);
        ZoneId zone = null;
        try {
            zone = ZoneId.of(in.zone() == null ? "UTC" : in.zone());
        } catch (DateTimeException e) {
            v.add("zone", "not a time zone id (e.g. Europe/Berlin, UTC)");
        }
        CronExpression cron = null;
        v.required("cron", in.cron());
        if (in.cron() != null) {
            try {
                cron = CronExpression.parse(in.cron());
            } catch (IllegalArgumentException e) {
                v.add("cron", e.getMessage() + " (six fields: second minute hour day-of-month month day-of-week)");
            }
        }
        Instant next = null;
        if (cron != null && zone != null) {
            next = next(cron, zone, clock.instant());
            Instant after = next == null ? null : next(cron, zone, next);
            if (next == null) {
                v.add("cron", "never fires");
            } else if (after != null && Duration.between(next, after).compareTo(MIN_INTERVAL) < 0) {
                v.add("cron", "fires more often than once a minute");
            }
        }
        boolean ranged = n.kind() != null && ExportKinds.TIME_RANGED.contains(n.kind());
        Long window = in.windowSeconds();
        if (window != null && !ranged) {
            v.add("window_seconds", "only " + String.join(", ", ExportKinds.TIME_RANGED) + " exports take a window");
        } else if (window != null && (window < 60 || window > 366L * 86_400)) {
            v.add("window_seconds", "must be between 60 and 31622400 (366 days)");
        }
        int retain = in.retain() == null ? 7 : in.retain();
        if (retain < 1 || retain > 1000) {
            v.add("retain", "must be between 1 and 1000");
        }
        if (in.channelId() != null) {
            try {
                if (!NotificationChannelService.takesNotices(channels.get(tenantId, in.channelId()))) {
                    v.add("channel_id", "a pagerduty channel takes alerts only; use slack, teams, webhook or email");
                }
            } catch (ApiException notFound) {
                v.add("channel_id", "no such notification channel");
            }
        }
        v.throwIfAny();
        return new Checked(n, zone.getId(), ranged ? (window == null ? 86_400L : window) : null, retain, next);
    }

    private static Map<String, Object> auditDetails(ExportSchedule s) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", s.kind());
        details.put("cron", s.cron());
        details.put("zone", s.zone());
        if (s.channelId() != null) {
            details.put("channel_id", s.channelId().toString());
        }
        return details;
    }

    public ExportSchedule get(UUID tenantId, UUID id) {
        return schedules.find(tenantId, id).orElseThrow(() -> ApiException.notFound("export schedule"));
    }

    public Page<ExportSchedule> list(UUID tenantId, String cursor, int limit) {
        return Page.afterId("id", cursor, limit, (after, fetch) -> schedules.list(tenantId, after, fetch),
                ExportSchedule::id);
    }

    /** Deletes a schedule; the exports it queued stay until they expire. */
    @Transactional
    public void delete(Caller caller, UUID id) {
        get(caller.tenantId(), id);
        schedules.delete(caller.tenantId(), id);
        audit.record(caller.tenantId(), caller, "export_schedule.delete", "export_schedule", id.toString(), null);
    }

    /**
     * Queues one export for each schedule due at {@code now} and moves it to its next occurrence after
     * {@code now}; deletes each schedule's finished exports beyond its {@code retain}. Returns how many it queued.
     */
    public int runDue(Instant now) {
        int queued = 0;
        for (ScheduleRepository.Due due : schedules.due(now.toEpochMilli(), 100)) {
            try {
                if (Boolean.TRUE.equals(tx.execute(s -> runOne(due.tenantId(), due.schedule(), now)))) {
                    queued++;
                }
            } catch (RuntimeException e) {
                log.warn("export schedule {} of tenant {} failed to run: {}", due.schedule().id(), due.tenantId(),
                        e.toString());
            }
        }
        return queued;
    }

    private boolean runOne(UUID tenantId, ExportSchedule s, Instant now) {
        ZoneId zone = ZoneId.of(s.zone());
        Instant next = next(CronExpression.parse(s.cron()), zone, now);
        // a cron that never fires again parks the schedule far in the future
        long nextMillis = next == null ? Long.MAX_VALUE : next.toEpochMilli();
        if (!schedules.advance(tenantId, s.id(), s.nextRunAt().toEpochMilli(), nextMillis, now.toEpochMilli())) {
            return false; // another node queued this run
        }
        Instant at = s.nextRunAt();
        Instant from = s.windowSeconds() == null ? null : at.minusSeconds(s.windowSeconds());
        Instant to = s.windowSeconds() == null ? null : at;
        exportService.queue(tenantId, Caller.system(tenantId), new NewExport(s.kind(), s.query(), from, to,
                s.columns(), s.format(), s.compression()), s.id());
        for (Export old : exports.surplusOfSchedule(tenantId, s.id(), s.retain())) {
            if (exports.delete(tenantId, old.id()) && old.status() == ExportStatus.SUCCEEDED
                    && old.sha256() != null) {
                blobs.release(tenantId, old.sha256());
            }
        }
        return true;
    }

    private static Instant next(CronExpression cron, ZoneId zone, Instant after) {
        ZonedDateTime n = cron.next(ZonedDateTime.ofInstant(after, zone));
        return n == null ? null : n.toInstant();
    }
}
