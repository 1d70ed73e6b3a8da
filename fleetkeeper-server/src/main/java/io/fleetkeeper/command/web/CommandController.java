package io.fleetkeeper.command.web;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.command.Command;
import io.fleetkeeper.command.CommandProperties;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.command.CommandStatus;
import io.fleetkeeper.command.NewCommand;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.Limits;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/devices/{id}/commands}: operators send commands to one device and follow them. */
@RestController
@RequestMapping("/api/v1/devices/{id}/commands")
class CommandController {

    private final CommandService commands;
    private final CommandProperties properties;
    private final Limits limits;

    CommandController(CommandService commands, CommandProperties properties, Limits limits) {
        this.commands = commands;
        this.properties = properties;
        this.limits = limits;
    }

    /**
     * {@code {name, payload?, ttl?, idempotency_key?}} → 201 (200 when the key named an earlier command). With
     * {@code ?wait=N} (≤ max-wait-seconds) waits for the final state; 504 with the command id when not back.
     */
    @PostMapping
    @ApiResponse(responseCode = "201", description = "Created", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "200", description = "The idempotency key named an earlier one: that one",
            useReturnTypeSchema = true)
    ResponseEntity<Command> create(Caller caller, @PathVariable UUID id, @RequestBody NewCommand body,
            @RequestParam(required = false) Integer wait) throws InterruptedException {
        if (wait != null && (wait < 0 || wait > properties.maxWaitSeconds())) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "wait is 0 to " + properties.maxWaitSeconds()
                    + " seconds");
        }
        CommandService.Created created = commands.create(caller, id, body);
        Command c = created.command();
        if (wait != null && wait > 0) {
            c = commands.await(caller.tenantId(), id, c.id(), Duration.ofSeconds(wait));
            if (!c.status().terminal()) {
                throw new ApiException(ErrorCode.NOT_FINISHED_IN_TIME, "the device did not finish the command within "
                        + wait + " s; it goes on", Map.of("command_id", c.id().toString(), "command_status",
                        c.status().name()));
            }
        }
        return ResponseEntity.status(created.created() ? HttpStatus.CREATED : HttpStatus.OK).body(c);
    }

    @GetMapping
    Page<Command> list(Caller caller, @PathVariable UUID id, @RequestParam(required = false) String status,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) Integer limit) {
        return commands.list(caller.tenantId(), id, status(status), cursor, limits.pageSize(limit));
    }

    @GetMapping("/{cid}")
    Command get(Caller caller, @PathVariable UUID id, @PathVariable UUID cid) {
        return commands.get(caller.tenantId(), id, cid);
    }

    @PostMapping("/{cid}/cancel")
    Command cancel(Caller caller, @PathVariable UUID id, @PathVariable UUID cid) {
        return commands.cancel(caller, id, cid);
    }

    private static CommandStatus status(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return CommandStatus.valueOf(s.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "status is one of "
                    + java.util.Arrays.toString(CommandStatus.values()));
        }
    }
}
