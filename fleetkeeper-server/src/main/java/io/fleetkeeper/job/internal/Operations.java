package io.fleetkeeper.job.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.job.ExecutionStatus;
import io.fleetkeeper.job.NewJob;
import io.fleetkeeper.job.NewJob.Operation;
import io.fleetkeeper.pki.RotationService;
import io.fleetkeeper.shadow.ShadowService;
import io.fleetkeeper.shadow.ShadowUpdate;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Applies a job's operation to the executions a dispatch batch claimed, inside the batch's transaction. Command
 * operations create one command per device (one batch) and leave the executions IN_PROGRESS until the commands
 * end. Server-side operations run per device in a savepoint and end the execution at once: SUCCEEDED, or FAILED
 * with the error's code and detail (the savepoint undoes that device's partial work, nothing else).
 */
@Component
public class Operations {

    private final CommandService commands;
    private final DeviceService devices;
    private final ShadowService shadows;
    private final RotationService rotations;
    private final ExecutionRepository executions;
    private final Outcomes outcomes;
    private final JsonMapper json;
    private final TransactionTemplate savepoint;
    private final JobSpecs specs;

    Operations(CommandService commands, DeviceService devices, ShadowService shadows, RotationService rotations,
            ExecutionRepository executions, Outcomes outcomes, JsonMapper json, PlatformTransactionManager txManager,
            JobSpecs specs) {
        this.specs = specs;
        this.rotations = rotations;
        this.commands = commands;
        this.devices = devices;
        this.shadows = shadows;
        this.executions = executions;
        this.outcomes = outcomes;
        this.json = json;
        this.savepoint = new TransactionTemplate(txManager);
        this.savepoint.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    }

    /** Applies {@code spec}'s operation to the claimed devices; {@code now} stamps the outcomes. */
    public void apply(UUID tenantId, UUID jobId, NewJob spec, List<UUID> deviceIds, long now) {
        Operation op = spec.operation();
        String actor = "job:" + jobId;
        switch (op.type()) {
            case "command" -> sendCommands(tenantId, jobId, actor, deviceIds, op.name(), op.payload(), spec);
            case "renew_certificate" -> {
                ObjectNode payload = json.createObjectNode();
                payload.put("est", "/.well-known/est/simplereenroll");
                payload.put("https", "/device/v1/certificates/renew");
                sendCommands(tenantId, jobId, actor, deviceIds, JobSpecs.RENEW_COMMAND, payload, spec);
            }
            default -> {
                var external = specs.external(op.type());
                if (external != null) {
                    external.start(tenantId, jobId, deviceIds, now);
                    return;
                }
                Caller caller = new Caller(tenantId, actor, Role.OPERATOR);
                for (UUID deviceId : deviceIds) {
                    Map<String, Object> details = new LinkedHashMap<>();
                    ExecutionStatus outcome;
                    try {
                        savepoint.executeWithoutResult(s -> applyOne(caller, deviceId, op, details));
                        outcome = ExecutionStatus.SUCCEEDED;
                    } catch (ApiException e) {
                        outcome = ExecutionStatus.FAILED;
                        details.put("code", e.code().name());
                        details.put("detail", e.getMessage());
                    }
                    outcomes.end(tenantId, jobId, spec, deviceId, null, outcome, details.isEmpty() ? null : details, now);
                }
            }
        }
    }

    private void sendCommands(UUID tenantId, UUID jobId, String actor, List<UUID> deviceIds, String name,
            tools.jackson.databind.JsonNode payload, NewJob spec) {
        Map<UUID, UUID> sent = commands.createForJob(tenantId, actor, jobId, deviceIds, name, payload,
                spec.timeoutSeconds());
        executions.setCommands(tenantId, jobId, sent);
    }

    private void applyOne(Caller caller, UUID deviceId, Operation op, Map<String, Object> details) {
        UUID tenantId = caller.tenantId();
        switch (op.type()) {
            case "shadow" -> details.put("shadow_version", shadows.update(caller, deviceId, op.shadow(),
                    new ShadowUpdate("desired", op.desired(), null, null, null)).version());
            case "metadata" -> {
                ObjectNode patch = json.createObjectNode();
                patch.set("metadata", op.patch());
                devices.patch(caller, deviceId, patch, null);
            }
            case "upgrade_template" -> {
                Device d = devices.upgradeTemplate(caller, deviceId, op.templateVersion(), null);
                details.put("template_version", d.templateVersion());
            }
            case "suspend" -> {
                Device d = devices.get(tenantId, deviceId);
                if (d.status() == DeviceStatus.SUSPENDED) {
                    details.put("detail", "already suspended");
                } else {
                    devices.suspend(caller, deviceId, null);
                }
            }
            case "rotate_certificate" -> {
                // A successor for the identity slot, delivered to the device; it confirms it by using it.
                var started = rotations.start(caller, deviceId, null);
                if (started.successor() != null) {
                    details.put("certificate_id", started.successor().id().toString());
                }
                details.put("rotation_state", started.successor() == null ? "REQUESTED"
                        : started.successor().rotationState());
                if (!started.issued()) {
                    details.put("detail", "a rotation was under way already");
                }
            }
            case "resume" -> {
                Device d = devices.get(tenantId, deviceId);
                if (d.status() == DeviceStatus.ACTIVE) {
                    details.put("detail", "already active");
                } else {
                    devices.resume(caller, deviceId, null);
                }
            }
            default -> throw new IllegalStateException("not a server-side operation: " + op.type());
        }
    }
}
