package io.fleetkeeper.event.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceConditions;
import io.fleetkeeper.device.DeviceField;
import io.fleetkeeper.device.DeviceIdQuery;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.event.Alert;
import io.fleetkeeper.event.AlertRule;
import io.fleetkeeper.event.AlertService;
import io.fleetkeeper.fleet.FleetQueries;
import io.fleetkeeper.store.AdHocQueries;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Evaluates {@code device_offline} rules: per rule, one indexed query through the device feature for the devices
 * of its scope last seen before now minus {@code offline_minutes} (in pages), and an alert for each that has no
 * unresolved one; then every unresolved offline alert whose device was seen since that cutoff (or is gone) is
 * resolved. A device never seen is not offline: it has not come online yet.
 */
@Component
public class OfflineAlerts {

    private static final Logger log = LoggerFactory.getLogger(OfflineAlerts.class);
    private static final int PAGE = 500;
    private static final int MAX_CHECKED = 10_000;

    private final AlertRuleRepository rules;
    private final AlertRepository alerts;
    private final AlertService service;
    private final DeviceService devices;
    private final DeviceConditions conditions;
    private final FleetQueries fleet;
    private final AdHocQueries adHoc;

    OfflineAlerts(AlertRuleRepository rules, AlertRepository alerts, AlertService service, DeviceService devices,
            DeviceConditions conditions, FleetQueries fleet, AdHocQueries adHoc) {
        this.rules = rules;
        this.alerts = alerts;
        this.service = service;
        this.devices = devices;
        this.conditions = conditions;
        this.fleet = fleet;
        this.adHoc = adHoc;
    }

    /** One evaluation at {@code clock}'s now: resolve what cleared, then open what is offline. */
    public void evaluate(Clock clock) {
        long now = clock.millis();
        resolveCleared(now);
        for (AlertRuleRepository.Owned owned : rules.enabled(AlertRule.DEVICE_OFFLINE)) {
            try {
                fire(owned.tenantId(), owned.rule(), now);
            } catch (ApiException e) {
                log.warn("alert rule {} of tenant {} not evaluated: {}", owned.rule().id(), owned.tenantId(),
                        e.getMessage());
            }
        }
    }

    private void fire(UUID tenantId, AlertRule rule, long now) {
        long cutoff = now - rule.offlineMinutes() * 60_000L;
        DeviceCondition offline = conditions.test(tenantId, DeviceField.LAST_SEEN, null, DeviceConditions.Test.LT,
                List.of(cutoff));
        DeviceCondition condition = rule.scope() == null ? offline
                : DeviceCondition.and(fleet.compile(tenantId, rule.scope()), offline);
        UUID after = null;
        while (true) {
            DeviceIdQuery q = devices.matchingIdsQuery(tenantId, condition, after, null, PAGE);
            List<UUID> ids = adHoc.list(q.sql(), q.params(), (rs, n) -> UUID.fromString(rs.getString(1)));
            for (UUID id : ids) {
                service.open(tenantId, rule, id.toString(), id, () -> "Device " + name(tenantId, id)
                        + " not seen for " + rule.offlineMinutes() + " minutes");
            }
            if (ids.size() < PAGE) {
                return;
            }
            after = ids.getLast();
        }
    }

    private void resolveCleared(long now) {
        for (AlertRepository.Owned owned : alerts.unresolved(AlertRule.DEVICE_OFFLINE, MAX_CHECKED)) {
            Alert a = owned.alert();
            Optional<AlertRule> rule = rules.find(owned.tenantId(), a.ruleId());
            if (rule.isEmpty() || a.deviceId() == null || rule.get().offlineMinutes() == null) {
                continue;
            }
            long cutoff = now - rule.get().offlineMinutes() * 60_000L;
            if (cleared(owned.tenantId(), a.deviceId(), cutoff)) {
                service.autoResolve(owned.tenantId(), a.id());
            }
        }
    }

    /** Whether the device was seen at or after {@code cutoff}, or no longer exists. */
    private boolean cleared(UUID tenantId, UUID deviceId, long cutoff) {
        try {
            Instant seen = devices.get(tenantId, deviceId).lastSeenAt();
            return seen != null && seen.toEpochMilli() >= cutoff;
        } catch (ApiException e) {
            return true;
        }
    }

    private String name(UUID tenantId, UUID id) {
        try {
            Device d = devices.get(tenantId, id);
            return "'" + d.name() + "' (" + id + ")";
        } catch (ApiException e) {
            return id.toString();
        }
    }
}
