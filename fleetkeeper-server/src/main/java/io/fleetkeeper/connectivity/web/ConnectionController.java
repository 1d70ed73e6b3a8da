package io.fleetkeeper.connectivity.web;

import io.fleetkeeper.connectivity.ConnectionStates;
import io.fleetkeeper.connectivity.DeviceConnection;
import io.fleetkeeper.tenancy.Caller;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/devices/{id}/connection}: whether and how a device is connected (viewer). */
@RestController
@RequestMapping("/api/v1")
class ConnectionController {

    private final ConnectionStates states;

    ConnectionController(ConnectionStates states) {
        this.states = states;
    }

    @GetMapping("/devices/{id}/connection")
    DeviceConnection get(Caller caller, @PathVariable UUID id) {
        return states.get(caller.tenantId(), id);
    }
}
