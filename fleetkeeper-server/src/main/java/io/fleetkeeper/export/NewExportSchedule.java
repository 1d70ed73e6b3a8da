package io.fleetkeeper.export;

import jakarta.annotation.Nullable;
import java.util.List;

/**
 * A requested schedule: the export's fields as in {@link NewExport} (without a fixed time range), {@code cron}
 * and {@code zone} (an IANA zone id, default UTC), {@code windowSeconds} for time-ranged kinds (default one day),
 * {@code retain} (finished exports kept, default 7) and {@code channelId} (a notification channel each succeeded
 * run's link is sent to).
 */
public record NewExportSchedule(String name, String kind, @Nullable String query, @Nullable List<String> columns,
        @Nullable String format, @Nullable String compression, String cron, @Nullable String zone,
        @Nullable Long windowSeconds, @Nullable Integer retain, @Nullable java.util.UUID channelId) {
}
