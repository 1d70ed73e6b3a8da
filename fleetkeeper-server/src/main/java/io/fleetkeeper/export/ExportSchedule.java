package io.fleetkeeper.export;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An export queued at every occurrence of {@code cron} (Spring's six-field cron: second minute hour day month
 * weekday) in the time zone {@code zone}. For a time-ranged kind, each run exports the {@code windowSeconds}
 * before its scheduled time. The newest {@code retain} finished exports of the schedule are kept, older ones are
 * deleted with their artifacts. With {@code channelId}, each succeeded run's download link goes to that
 * notification channel; {@code lastDeliveryAt} and {@code lastDeliveryError} tell how the latest delivery went.
 */
public record ExportSchedule(UUID id, String name, String kind, String format, String compression,
        @Nullable String query, @Nullable List<String> columns, @Nullable Long windowSeconds, String cron,
        String zone, int retain, Instant nextRunAt, @Nullable Instant lastRunAt, @Nullable String createdBy,
        Instant createdAt, long version, @Nullable UUID channelId, @Nullable Instant lastDeliveryAt,
        @Nullable String lastDeliveryError) {
}
