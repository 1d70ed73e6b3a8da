package io.fleetkeeper.command.web;

import io.fleetkeeper.command.Command;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCaller;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /device/v1/commands} on the device listener: a device polls its undelivered commands and reports
 * results. The device is its {@code X-Device-Key} or else its client certificate.
 */
@RestController
class DeviceCommandController {

    private final CommandService commands;
    private final DeviceCaller callers;

    DeviceCommandController(CommandService commands, DeviceCaller callers) {
        this.commands = commands;
        this.callers = callers;
    }

    /** The undelivered commands, oldest first; each is now DELIVERED. */
    @GetMapping("/device/v1/commands")
    Map<String, List<Command>> poll(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        return Map.of("items", commands.poll(self.tenantId(), self.deviceId()));
    }

    /** {@code {"status":"SUCCEEDED"|"FAILED"|"REJECTED","result":…}}; 409 when the command is already final. */
    @PostMapping("/device/v1/commands/{cid}/result")
    Command result(@RequestHeader(name = "X-Device-Key", required = false) String key,
            DeviceCertificate cert,
            @PathVariable UUID cid, @RequestBody JsonNode body) {
        AuthenticatedDevice self = callers.resolve(key, cert);
        String status = body.path("status").isString() ? body.path("status").asString() : null;
        return commands.report(self.tenantId(), self.deviceId(), cid, status, body.get("result"));
    }
}
