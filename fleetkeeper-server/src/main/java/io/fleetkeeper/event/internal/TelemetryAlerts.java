package io.fleetkeeper.event.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.event.AlertRule;
import io.fleetkeeper.event.AlertService;
import io.fleetkeeper.telemetry.DeviceLatest;
import io.fleetkeeper.telemetry.LatestValue;
import io.fleetkeeper.telemetry.TelemetryPoint;
import io.fleetkeeper.telemetry.TelemetryQueries;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Evaluates {@code telemetry_threshold} rules through the telemetry feature's read API: per rule, the latest value
 * of its metric for each device of its scope (in pages); a device whose latest value does not cross the threshold
 * has its alert resolved; one whose latest value crosses it is checked over the last {@code for_minutes}: every
 * value in that window crosses, and so does the last value before it (the condition held the whole time), or with
 * {@code for_minutes} 0 the latest value alone decides. Values are read from {@code 2 × for_minutes} back, so a
 * device must report at least once per {@code for_minutes} for its alert to open.
 */
@Component
public class TelemetryAlerts {

    private static final Logger log = LoggerFactory.getLogger(TelemetryAlerts.class);
    private static final int PAGE = 500;
    private static final int MAX_POINTS_PAGES = 10;

    private final AlertRuleRepository rules;
    private final AlertService service;
    private final TelemetryQueries telemetry;

    TelemetryAlerts(AlertRuleRepository rules, AlertService service, TelemetryQueries telemetry) {
        this.rules = rules;
        this.service = service;
        this.telemetry = telemetry;
    }

    /** One evaluation of every enabled rule at {@code clock}'s now. */
    public void evaluate(Clock clock) {
        Instant now = clock.instant();
        for (AlertRuleRepository.Owned owned : rules.enabled(AlertRule.TELEMETRY_THRESHOLD)) {
            try {
                evaluate(owned.tenantId(), owned.rule(), now);
            } catch (ApiException e) {
                log.warn("alert rule {} of tenant {} not evaluated: {}", owned.rule().id(), owned.tenantId(),
                        e.getMessage());
            }
        }
    }

    private void evaluate(UUID tenantId, AlertRule rule, Instant now) {
        AlertRule.Threshold t = rule.threshold();
        String cursor = null;
        do {
            Page<DeviceLatest> page = telemetry.fleetLatest(tenantId, rule.scope() == null ? "" : rule.scope(),
                    List.of(t.metric()), cursor, PAGE);
            for (DeviceLatest d : page.items()) {
                LatestValue latest = d.values().stream().filter(v -> Objects.equals(v.stream(), t.stream()))
                        .findFirst().orElse(null);
                String subject = d.deviceId().toString();
                if (latest == null || !t.crossed(latest.value())) {
                    service.unresolved(tenantId, rule, subject)
                            .ifPresent(a -> service.autoResolve(tenantId, a.id()));
                } else if (held(tenantId, d.deviceId(), t, now)) {
                    service.open(tenantId, rule, subject, d.deviceId(), () -> "Device '" + d.name() + "' ("
                            + d.deviceId() + ") " + t.metric() + " " + t.operator() + " " + number(t.value())
                            + (t.forMinutes() > 0 ? " for " + t.forMinutes() + " minutes" : "") + " (latest "
                            + latest.value() + ")");
                }
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    /** Whether the condition held over the last {@code for_minutes} at {@code now}. */
    private boolean held(UUID tenantId, UUID deviceId, AlertRule.Threshold t, Instant now) {
        if (t.forMinutes() == 0) {
            return true;
        }
        Duration window = Duration.ofMinutes(t.forMinutes());
        Instant start = now.minus(window);
        TelemetryQueries.Range range = new TelemetryQueries.Range(t.metric(), t.stream(), start.minus(window),
                now.plusMillis(1)); // up to now inclusive
        boolean crossedAtStart = false;
        String cursor = null;
        for (int pages = 0; pages < MAX_POINTS_PAGES; pages++) {
            Page<TelemetryPoint> points = telemetry.raw(tenantId, deviceId, range, cursor, PAGE);
            for (TelemetryPoint p : points.items()) {
                if (!Objects.equals(p.stream(), t.stream())) {
                    continue;
                }
                boolean crossed = t.crossed(p.value());
                if (p.ts().isAfter(start)) {
                    if (!crossed) {
                        return false;
                    }
                } else {
                    crossedAtStart = crossed;
                }
            }
            cursor = points.nextCursor();
            if (cursor == null) {
                return crossedAtStart;
            }
        }
        return false;
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
