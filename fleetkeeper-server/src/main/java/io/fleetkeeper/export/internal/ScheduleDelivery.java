package io.fleetkeeper.export.internal;

import io.fleetkeeper.event.NotificationChannelService;
import io.fleetkeeper.event.Notice;
import io.fleetkeeper.export.Export;
import io.fleetkeeper.export.ExportSchedule;
import io.fleetkeeper.export.ExportService;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Sends a succeeded scheduled export's link to its schedule's notification channel (one attempt, after the export
 * is marked SUCCEEDED) and records the outcome on the schedule. The message names the schedule, the kind, the
 * rows, the size and the SHA-256, the API path of the download, and the link itself when there is one.
 */
@Component
class ScheduleDelivery {

    private static final Logger log = LoggerFactory.getLogger(ScheduleDelivery.class);

    private final ScheduleRepository schedules;
    private final ExportRepository exports;
    private final ExportService exportService;
    private final NotificationChannelService channels;
    private final Clock clock;

    ScheduleDelivery(ScheduleRepository schedules, ExportRepository exports, ExportService exportService,
            NotificationChannelService channels, Clock clock) {
        this.schedules = schedules;
        this.exports = exports;
        this.exportService = exportService;
        this.channels = channels;
        this.clock = clock;
    }

    /** Delivers the export's link when its schedule names a channel; never throws. */
    void deliver(UUID tenantId, UUID exportId) {
        try {
            Optional<Export> e = exports.find(tenantId, exportId);
            if (e.isEmpty() || e.get().scheduleId() == null) {
                return;
            }
            Optional<ExportSchedule> s = schedules.find(tenantId, e.get().scheduleId());
            if (s.isEmpty() || s.get().channelId() == null) {
                return;
            }
            String error = channels.deliver(tenantId, s.get().channelId(), notice(tenantId, s.get(), e.get()));
            schedules.recordDelivery(tenantId, s.get().id(), clock.millis(), error);
            if (error != null) {
                log.warn("export {} of tenant {}: its link was not delivered: {}", exportId, tenantId, error);
            }
        } catch (RuntimeException x) {
            log.warn("export {} of tenant {}: delivering its link failed: {}", exportId, tenantId, x.toString());
        }
    }

    private Notice notice(UUID tenantId, ExportSchedule s, Export e) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("Schedule", s.name());
        facts.put("Kind", e.kind() + " (" + e.format() + ("gzip".equals(e.compression()) ? ", gzip" : "") + ")");
        if (e.from() != null) {
            facts.put("Range", e.from() + " to " + e.to());
        }
        facts.put("Rows", Long.toString(e.rowCount()));
        facts.put("Size", e.size() + " bytes");
        facts.put("SHA-256", e.sha256());
        facts.put("Export", e.id().toString());
        facts.put("API", "GET /api/v1/exports/" + e.id() + "/download");
        URI link = exportService.deliveredLink(tenantId, e);
        if (link != null) {
            facts.put("Link expires", clock.instant().plus(exportService.deliveredLinkTtl()).toString());
        }
        return new Notice("export.succeeded", "Export \"" + s.name() + "\" is ready: " + e.rowCount() + " rows",
                facts, link, "Download");
    }
}
