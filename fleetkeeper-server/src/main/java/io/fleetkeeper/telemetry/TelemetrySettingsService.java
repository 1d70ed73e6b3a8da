package io.fleetkeeper.telemetry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ApiException.FieldError;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.telemetry.internal.SettingsRepository;
import io.fleetkeeper.telemetry.internal.SettingsRepository.Row;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A tenant's telemetry settings (retention, per-stream retention, expected reporting intervals for device
 * health), versioned and audited. Ingest reads the retention through
 * a per-node cache of one minute, so another node sees a change within that minute.
 */
@Service
public class TelemetrySettingsService {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MIN_INTERVAL = 10;
    private static final int MAX_INTERVAL = 30 * 86_400;

    private final SettingsRepository settings;
    private final AuditService audit;
    private final TelemetryProperties props;
    private final Clock clock;
    private final Cache<UUID, Long> retention = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(1)).build();
    private final Cache<UUID, TelemetrySettings> cache = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(1)).build();

    TelemetrySettingsService(SettingsRepository settings, AuditService audit, TelemetryProperties props,
            Clock clock) {
        this.settings = settings;
        this.audit = audit;
        this.props = props;
        this.clock = clock;
    }

    public TelemetrySettings get(UUID tenantId) {
        int interval = (int) props.expectedInterval().toSeconds();
        return settings.find(tenantId)
                .map(r -> new TelemetrySettings(r.retentionDays(), r.streamRetentionDays(),
                        r.expectedIntervalSeconds() == null ? interval : r.expectedIntervalSeconds(),
                        r.typeIntervalSeconds(), r.version(), Instant.ofEpochMilli(r.updatedAt())))
                .orElseGet(() -> new TelemetrySettings((int) props.defaultRetention().toDays(), Map.of(), interval,
                        Map.of(), 0, null));
    }

    /** The tenant's settings through the per-node cache of one minute (for the health evaluator). */
    public TelemetrySettings cached(UUID tenantId) {
        return cache.get(tenantId, this::get);
    }

    /** Whether {@link #retentionMillis} answers from memory now (no store read). */
    public boolean retentionCached(UUID tenantId) {
        return retention.getIfPresent(tenantId) != null;
    }

    /** The tenant's retention in milliseconds (cached). */
    public long retentionMillis(UUID tenantId) {
        return retention.get(tenantId, t -> get(t).retentionDays() * 86_400_000L);
    }

    /**
     * Changes the settings given (null: keep as they are): retention from 1 day to {@code max-retention}, stream
     * retentions each at most the retention, expected intervals from 10 s to 30 days. {@code expectedVersion}
     * (If-Match) when given must be the current version (0 while the tenant has the defaults), else 412.
     */
    @Transactional
    public TelemetrySettings update(Caller caller, TelemetrySettingsUpdate in, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        TelemetrySettings current = get(tenantId);
        Row stored = settings.find(tenantId).orElse(null);
        int days = in.retentionDays() == null ? current.retentionDays() : in.retentionDays();
        Map<String, Integer> streams = in.streamRetentionDays() == null ? current.streamRetentionDays()
                : in.streamRetentionDays();
        Integer interval = in.expectedIntervalSeconds() != null ? in.expectedIntervalSeconds()
                : stored == null ? null : stored.expectedIntervalSeconds();
        Map<String, Integer> types = in.expectedIntervalsByType() == null ? current.expectedIntervalsByType()
                : in.expectedIntervalsByType();
        List<FieldError> problems = validate(days, streams, interval, types);
        if (!problems.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "invalid telemetry settings", problems);
        }
        if (expectedVersion != null && expectedVersion != current.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the settings changed (version "
                    + current.version() + ")");
        }
        if (!settings.save(new Row(tenantId, days, new TreeMap<>(streams), interval, new TreeMap<>(types),
                current.version(), clock.millis()))) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the settings changed meanwhile");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("retention_days", days);
        details.put("previous_retention_days", current.retentionDays());
        details.put("stream_retention_days", streams);
        details.put("expected_interval_seconds", interval);
        details.put("expected_intervals_by_type", types);
        audit.recordDetails(tenantId, caller, "telemetry.settings.update", "telemetry_settings",
                tenantId.toString(), details);
        retention.invalidate(tenantId);
        cache.invalidate(tenantId);
        return get(tenantId);
    }

    private List<FieldError> validate(int days, Map<String, Integer> streams, Integer interval,
            Map<String, Integer> types) {
        long max = props.maxRetention().toDays();
        List<FieldError> problems = new ArrayList<>();
        if (days < 1 || days > max) {
            problems.add(new FieldError("retention_days", "must be a whole number of days from 1 to " + max));
        }
        streams.forEach((stream, d) -> {
            if (!NAME.matcher(stream).matches()) {
                problems.add(new FieldError("stream_retention_days", "not a stream name: '" + stream + "'"));
            } else if (d == null || d < 1 || d > days) {
                problems.add(new FieldError("stream_retention_days/" + stream,
                        "must be a whole number of days from 1 to the retention (" + days + ")"));
            }
        });
        if (interval != null && (interval < MIN_INTERVAL || interval > MAX_INTERVAL)) {
            problems.add(new FieldError("expected_interval_seconds", "must be from " + MIN_INTERVAL + " to "
                    + MAX_INTERVAL + " seconds"));
        }
        types.forEach((type, s) -> {
            if (type.isEmpty() || type.length() > 64) {
                problems.add(new FieldError("expected_intervals_by_type", "not a device type: '" + type + "'"));
            } else if (s == null || s < MIN_INTERVAL || s > MAX_INTERVAL) {
                problems.add(new FieldError("expected_intervals_by_type/" + type, "must be from " + MIN_INTERVAL
                        + " to " + MAX_INTERVAL + " seconds"));
            }
        });
        if (streams.size() > 100 || types.size() > 1000) {
            problems.add(new FieldError("", "at most 100 streams and 1000 device types have their own settings"));
        }
        return problems;
    }
}
