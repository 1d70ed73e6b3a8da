package io.fleetkeeper.command;

import java.util.UUID;

/**
 * Published synchronously, inside the transaction that moves a job's command to a final state, so the job
 * feature's execution moves in the same commit. Commands sent to a device alone publish nothing.
 */
public record CommandFinished(UUID tenantId, UUID jobId, UUID deviceId, UUID commandId, CommandStatus status,
        String result) {
}
