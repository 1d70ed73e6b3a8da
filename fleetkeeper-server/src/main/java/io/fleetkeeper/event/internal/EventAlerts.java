package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertRule;
import io.fleetkeeper.event.AlertService;
import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.EventTypes;
import io.fleetkeeper.event.OutboxEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * A reader of the sequenced outbox (cursor {@code alerts}) that opens alerts from events: a certificate
 * expiring soon, expired or revoked opens one of each enabled {@code certificate} rule whose scope selects the
 * device (subject: the device; a certificate issued or renewed for it resolves it); an aborted job opens one of
 * each {@code job_failed} rule (subject: the job); a refused provisioning attempt is counted against the
 * {@code provisioning_failures} rules ({@link ProvisioningAlerts}). The alerts and the cursor's move commit together.
 */
@Component
public class EventAlerts {

    public static final String CURSOR = "alerts";

    private static final Map<String, String> CERTIFICATE = Map.of(
            EventTypes.PREFIX + "certificate.expiring_soon", "expiring soon",
            EventTypes.PREFIX + "certificate.expired", "expired",
            EventTypes.PREFIX + "certificate.revoked", "revoked");
    private static final Set<String> CERTIFICATE_FIXED = Set.of(EventTypes.PREFIX + "certificate.issued",
            EventTypes.PREFIX + "certificate.renewed");
    private static final String JOB_ABORTED = EventTypes.PREFIX + "job.aborted";

    private final OutboxRepository outbox;
    private final AlertRuleRepository rules;
    private final AlertService alerts;
    private final DeviceMatcher matcher;
    private final EventProperties props;
    private final JsonMapper json;
    private final TransactionTemplate tx;
    private final ProvisioningAlerts provisioning;

    EventAlerts(OutboxRepository outbox, AlertRuleRepository rules, AlertService alerts, DeviceMatcher matcher,
            EventProperties props, JsonMapper json, PlatformTransactionManager txManager,
            ProvisioningAlerts provisioning) {
        this.provisioning = provisioning;
        this.outbox = outbox;
        this.rules = rules;
        this.alerts = alerts;
        this.matcher = matcher;
        this.props = props;
        this.json = json;
        this.tx = new TransactionTemplate(txManager);
    }

    /**
     * Reads the next batch; true when it was full. Reads before it opens a transaction (on SQLite every
     * transaction takes the write lock): a batch with no event that alerts act on only moves the cursor, and an
     * idle reader writes nothing.
     */
    public boolean read() {
        long cursor = outbox.cursor(CURSOR, outbox::maxSeq);
        List<OutboxEvent> events = outbox.after(cursor, props.batchSize());
        if (events.isEmpty()) {
            return false;
        }
        long last = events.getLast().seq();
        List<Runnable> actions = events.stream().map(this::action).filter(java.util.Objects::nonNull).toList();
        if (actions.isEmpty()) {
            outbox.advance(CURSOR, last);
        } else {
            tx.executeWithoutResult(s -> {
                actions.forEach(Runnable::run);
                outbox.advance(CURSOR, last);
            });
        }
        return events.size() == props.batchSize();
    }

    /** What the event opens, resolves or counts, to run in the cursor's transaction; null when nothing. */
    private Runnable action(OutboxEvent e) {
        String what = CERTIFICATE.get(e.type());
        if (e.deviceId() != null && (what != null || CERTIFICATE_FIXED.contains(e.type()))) {
            return () -> {
                for (AlertRule rule : rules.enabled(e.tenantId(), AlertRule.CERTIFICATE)) {
                    if (what == null) {
                        alerts.unresolved(e.tenantId(), rule, e.deviceId().toString())
                                .ifPresent(a -> alerts.autoResolve(e.tenantId(), a.id()));
                    } else if (!matcher.matching(e.tenantId(), rule.scope(), List.of(e.deviceId())).isEmpty()) {
                        alerts.open(e.tenantId(), rule, e.deviceId().toString(), e.deviceId(),
                                () -> "Certificate of device " + e.deviceId() + " " + what);
                    }
                }
            };
        } else if (e.type().equals(EventTypes.PROVISIONING_FAILED)) {
            return () -> provisioning.onFailure(e);
        } else if (e.type().equals(JOB_ABORTED)) {
            return () -> {
                String jobId = json.readTree(e.data()).path("job_id").asString();
                String reason = json.readTree(e.data()).path("reason").asString("");
                for (AlertRule rule : rules.enabled(e.tenantId(), AlertRule.JOB_FAILED)) {
                    alerts.open(e.tenantId(), rule, jobId, null,
                            () -> "Job " + jobId + " aborted" + (reason.isEmpty() ? "" : ": " + reason));
                }
            };
        }
        return null;
    }
}
