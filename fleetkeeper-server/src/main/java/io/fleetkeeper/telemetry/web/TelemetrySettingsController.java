package io.fleetkeeper.telemetry.web;

import io.fleetkeeper.telemetry.TelemetrySettings;
import io.fleetkeeper.telemetry.TelemetrySettingsService;
import io.fleetkeeper.telemetry.TelemetrySettingsUpdate;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.RequiresRole;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.Etags;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/telemetry/settings}: the tenant's telemetry retention and health intervals, versioned (ETag, If-Match). */
@RestController
class TelemetrySettingsController {

    private final TelemetrySettingsService settings;

    TelemetrySettingsController(TelemetrySettingsService settings) {
        this.settings = settings;
    }

    @GetMapping("/api/v1/telemetry/settings")
    ResponseEntity<TelemetrySettings> get(Caller caller) {
        TelemetrySettings s = settings.get(caller.tenantId());
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }

    @PutMapping("/api/v1/telemetry/settings")
    @RequiresRole(Role.ADMIN)
    ResponseEntity<TelemetrySettings> put(Caller caller, @RequestBody TelemetrySettingsUpdate update,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        TelemetrySettings s = settings.update(caller, update, Etags.expectedVersion(ifMatch));
        return ResponseEntity.ok().eTag(Etags.of(s.version())).body(s);
    }
}
