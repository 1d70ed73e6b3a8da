package io.fleetkeeper.carrier.web;

import io.fleetkeeper.carrier.DeviceSim;
import io.fleetkeeper.carrier.DeviceSimService;
import io.fleetkeeper.tenancy.Caller;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/devices/{id}/sim}: the device's carrier SIM (named so, apart from {@code /connection}, the MQTT
 * session): provision, read, change state, SMS, unlink.
 */
@RestController
@RequestMapping("/api/v1/devices/{id}/sim")
class DeviceSimController {

    private final DeviceSimService sims;

    DeviceSimController(DeviceSimService sims) {
        this.sims = sims;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<DeviceSim> provision(Caller caller, @PathVariable UUID id, @RequestBody DeviceSim.Fields body) {
        DeviceSim sim = sims.provision(caller, id, body);
        return ResponseEntity.created(URI.create("/api/v1/devices/" + id + "/sim")).body(sim);
    }

    @GetMapping
    DeviceSim get(Caller caller, @PathVariable UUID id) {
        return sims.get(caller.tenantId(), id);
    }

    @PostMapping("/state")
    DeviceSim state(Caller caller, @PathVariable UUID id, @RequestBody DeviceSim.StateChange body) {
        return sims.changeState(caller, id, body);
    }

    @PostMapping("/refresh")
    DeviceSim refresh(Caller caller, @PathVariable UUID id) {
        return sims.refresh(caller, id);
    }

    @PostMapping("/sms")
    DeviceSim.SmsSent sms(Caller caller, @PathVariable UUID id, @RequestBody DeviceSim.Sms body) {
        return sims.sendSms(caller, id, body);
    }

    @DeleteMapping
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void unlink(Caller caller, @PathVariable UUID id) {
        sims.unlink(caller, id);
    }
}
