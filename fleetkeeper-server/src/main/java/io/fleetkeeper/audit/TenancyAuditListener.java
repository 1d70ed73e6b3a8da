package io.fleetkeeper.audit;

import io.fleetkeeper.tenancy.TenancyAction;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Records tenancy's changes; runs in the publisher's thread and transaction, so both commit or neither. */
@Component
class TenancyAuditListener {

    private final AuditService audit;

    TenancyAuditListener(AuditService audit) {
        this.audit = audit;
    }

    @EventListener
    void on(TenancyAction a) {
        audit.record(a.tenantId(), a.actor(), a.action(), a.targetType(), a.targetId(), a.details());
    }
}
