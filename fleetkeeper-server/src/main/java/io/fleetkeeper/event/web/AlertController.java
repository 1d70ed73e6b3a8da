package io.fleetkeeper.event.web;

import io.fleetkeeper.api.Page;
import io.fleetkeeper.event.Alert;
import io.fleetkeeper.event.AlertService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Etags;
import io.fleetkeeper.web.Limits;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/alerts}: list, read, acknowledge, resolve; an alert's history and notifications. */
@RestController
@RequestMapping("/api/v1/alerts")
class AlertController {

    private final AlertService alerts;
    private final Limits limits;

    AlertController(AlertService alerts, Limits limits) {
        this.alerts = alerts;
        this.limits = limits;
    }

    @GetMapping
    Page<Alert> list(Caller caller, @RequestParam(required = false) String status,
            @RequestParam(required = false) String severity, @RequestParam(name = "rule_id", required = false) UUID ruleId,
            @RequestParam(name = "device_id", required = false) UUID deviceId,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) Integer limit) {
        return alerts.list(caller.tenantId(), status, severity, ruleId, deviceId, cursor, limits.pageSize(limit));
    }

    @GetMapping("/{id}")
    ResponseEntity<Alert> get(Caller caller, @PathVariable UUID id) {
        Alert a = alerts.get(caller.tenantId(), id);
        return ResponseEntity.ok().eTag(Etags.of(a.version())).body(a);
    }

    @GetMapping("/{id}/history")
    Map<String, List<Alert.Transition>> history(Caller caller, @PathVariable UUID id) {
        return Map.of("items", alerts.history(caller.tenantId(), id));
    }

    @GetMapping("/{id}/notifications")
    Map<String, List<Alert.Notification>> notifications(Caller caller, @PathVariable UUID id) {
        return Map.of("items", alerts.notifications(caller.tenantId(), id));
    }

    @PostMapping("/{id}/acknowledge")
    ResponseEntity<Alert> acknowledge(Caller caller, @PathVariable UUID id) {
        Alert a = alerts.acknowledge(caller, id);
        return ResponseEntity.ok().eTag(Etags.of(a.version())).body(a);
    }

    @PostMapping("/{id}/resolve")
    ResponseEntity<Alert> resolve(Caller caller, @PathVariable UUID id) {
        Alert a = alerts.resolve(caller, id);
        return ResponseEntity.ok().eTag(Etags.of(a.version())).body(a);
    }
}
