package io.fleetkeeper.export;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.export.internal.ExportRepository;
import io.fleetkeeper.export.internal.ScheduleRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Violations;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

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

    private final ScheduleRepository schedules;
    private final ExportRepository exports;
    private final ExportService exportService;
    private final BlobService blobs;
    private final AuditService audit;
    private final Clock clock;
    private final TransactionTemplate tx;

    ExportScheduleService(ScheduleRepository schedules, ExportRepository exports, ExportService exportService,
            BlobService blobs, AuditService audit, Clock clock, PlatformTransactionManager txManager) {
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
        v.throwIfAny();
        ExportSchedule s = new ExportSchedule(Ids.newId(clock), in.name(), n.kind(), n.format(), n.compression(),
                n.query(), n.columns(), ranged ? (window == null ? 86_400L : window) : null, in.cron(), zone.getId(),
                retain, next, null, caller.actor(), Times.now(clock), 1);
        schedules.insert(tenantId, s);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", s.kind());
        details.put("cron", s.cron());
        details.put("zone", s.zone());
        audit.recordDetails(tenantId, caller, "export_schedule.create", "export_schedule", s.id().toString(),
                details);
        return s;
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
