package io.fleetkeeper.telemetry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ApiException.FieldError;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.telemetry.internal.SettingsRepository;
import io.fleetkeeper.tenancy.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A tenant's telemetry settings (today: the retention), versioned and audited. Ingest reads the retention through
 * a per-node cache of one minute, so another node sees a change within that minute.
 */
@Service
public class TelemetrySettingsService {

    private final SettingsRepository settings;
    private final AuditService audit;
    private final TelemetryProperties props;
    private final Clock clock;
    private final Cache<UUID, Long> retention = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(1)).build();

    TelemetrySettingsService(SettingsRepository settings, AuditService audit, TelemetryProperties props,
            Clock clock) {
        this.settings = settings;
        this.audit = audit;
        this.props = props;
        this.clock = clock;
    }

    public TelemetrySettings get(UUID tenantId) {
        return settings.find(tenantId)
                .map(r -> new TelemetrySettings(r.retentionDays(), r.version(), Instant.ofEpochMilli(r.updatedAt())))
                .orElseGet(() -> new TelemetrySettings((int) props.defaultRetention().toDays(), 0, null));
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
     * Sets the retention, from 1 day to {@code max-retention}; {@code expectedVersion} (If-Match) when given must be
     * the current version (0 while the tenant has the defaults), else 412.
     */
    @Transactional
    public TelemetrySettings update(Caller caller, Integer retentionDays, Long expectedVersion) {
        long max = props.maxRetention().toDays();
        if (retentionDays == null || retentionDays < 1 || retentionDays > max) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "invalid telemetry settings",
                    List.of(new FieldError("retention_days", "must be a whole number of days from 1 to " + max)));
        }
        UUID tenantId = caller.tenantId();
        TelemetrySettings current = get(tenantId);
        if (expectedVersion != null && expectedVersion != current.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the settings changed (version "
                    + current.version() + ")");
        }
        if (!settings.save(tenantId, retentionDays, current.version(), clock.millis())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the settings changed meanwhile");
        }
        audit.recordDetails(tenantId, caller, "telemetry.settings.update", "telemetry_settings",
                tenantId.toString(), Map.of("retention_days", retentionDays, "previous_retention_days",
                        current.retentionDays()));
        retention.invalidate(tenantId);
        return get(tenantId);
    }
}
