package io.fleetkeeper.audit.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditEntry;
import io.fleetkeeper.audit.AuditQuery;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.web.Limits;
import java.time.Instant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/audit}: the tenant's audit log, newest first. */
@RestController
@RequestMapping("/api/v1/audit")
class AuditController {

    private final AuditService audit;
    private final Limits limits;

    AuditController(AuditService audit, Limits limits) {
        this.audit = audit;
        this.limits = limits;
    }

    @GetMapping
    @RequiresRole(Role.VIEWER)
    Page<AuditEntry> list(Caller caller,
            @RequestParam(required = false) String actor,
            @RequestParam(required = false) String action,
            @RequestParam(name = "target_type", required = false) String targetType,
            @RequestParam(name = "target_id", required = false) String targetId,
            @RequestParam(required = false) Instant from,
            @RequestParam(required = false) Instant to,
            @RequestParam(required = false) String cursor,
            @RequestParam(required = false) Integer limit) {
        return audit.list(caller.tenantId(), new AuditQuery(actor, action, targetType, targetId, from, to), cursor,
                limits.pageSize(limit));
    }
}
