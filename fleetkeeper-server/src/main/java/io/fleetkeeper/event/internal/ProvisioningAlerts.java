package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertRule;
import io.fleetkeeper.event.AlertService;
import io.fleetkeeper.event.OutboxEvent;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code provisioning_failures} rules: each refused provisioning attempt (an outbox event read by
 * {@link EventAlerts}) counts the tenant's refused attempts in the rule's window ending at that attempt and opens
 * an alert (subject {@code provisioning}) when they reach the rule's count; every evaluation resolves an alert
 * whose window ending now holds fewer. The count reads the outbox itself (partial index on those rows), so it is
 * right after a restart and on any node, as long as the window is shorter than the outbox retention.
 */
@Component
public class ProvisioningAlerts {

    public static final String SUBJECT = "provisioning";

    private static final Logger log = LoggerFactory.getLogger(ProvisioningAlerts.class);

    private final OutboxRepository outbox;
    private final AlertRuleRepository rules;
    private final AlertService alerts;
    private final JsonMapper json;

    ProvisioningAlerts(OutboxRepository outbox, AlertRuleRepository rules, AlertService alerts, JsonMapper json) {
        this.outbox = outbox;
        this.rules = rules;
        this.alerts = alerts;
        this.json = json;
    }

    /** Opens the alerts a refused attempt brings to its rules' rate, in the caller's transaction. */
    void onFailure(OutboxEvent e) {
        for (AlertRule rule : rules.enabled(e.tenantId(), AlertRule.PROVISIONING_FAILURES)) {
            long to = e.time().toEpochMilli();
            long window = Duration.ofMinutes(rule.rate().windowMinutes()).toMillis();
            long count = outbox.provisioningFailures(e.tenantId(), to - window, to);
            if (count >= rule.rate().count()) {
                JsonNode data = json.readTree(e.data());
                alerts.open(e.tenantId(), rule, SUBJECT, null, () -> count + " provisioning attempts refused in "
                        + rule.rate().windowMinutes() + " minutes (latest: " + data.path("method").asString("")
                        + ", " + data.path("reason").asString("") + ")");
            }
        }
    }

    /** Resolves the alerts of rules whose window ending at {@code clock}'s now holds fewer refused attempts. */
    public void evaluate(Clock clock) {
        long now = clock.millis();
        for (AlertRuleRepository.Owned owned : rules.enabled(AlertRule.PROVISIONING_FAILURES)) {
            try {
                AlertRule rule = owned.rule();
                alerts.unresolved(owned.tenantId(), rule, SUBJECT).ifPresent(a -> {
                    long window = Duration.ofMinutes(rule.rate().windowMinutes()).toMillis();
                    if (outbox.provisioningFailures(owned.tenantId(), now - window, now) < rule.rate().count()) {
                        alerts.autoResolve(owned.tenantId(), a.id());
                    }
                });
            } catch (RuntimeException ex) {
                log.warn("alert rule {} of tenant {} not evaluated: {}", owned.rule().id(), owned.tenantId(),
                        ex.toString());
            }
        }
    }
}
