package io.fleetkeeper.console.web;

import io.fleetkeeper.audit.AuditQuery;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.tenancy.Caller;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /app/audit}: the tenant's audit log, newest first, filtered by actor, action and target, paged. */
@Controller
class AuditPageController {

    private final AuditService audit;

    AuditPageController(AuditService audit) {
        this.audit = audit;
    }

    @GetMapping("/app/audit")
    String list(Caller caller, @RequestParam(required = false) String actor,
            @RequestParam(required = false) String action, @RequestParam(required = false) String targetType,
            @RequestParam(required = false) String targetId, @RequestParam(required = false) String cursor,
            Model model) {
        AuditQuery q = new AuditQuery(Forms.blankToNull(actor), Forms.blankToNull(action),
                Forms.blankToNull(targetType), Forms.blankToNull(targetId), null, null);
        model.addAttribute("q", q);
        model.addAttribute("page", audit.list(caller.tenantId(), q, cursor, DeviceListController.PAGE));
        return "console/audit";
    }
}
