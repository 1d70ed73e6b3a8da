package io.fleetkeeper.command;

import java.util.EnumSet;
import java.util.Set;

/**
 * A command's states: {@code QUEUED → SENT → DELIVERED → SUCCEEDED | FAILED | REJECTED | TIMED_OUT}, and
 * {@code EXPIRED} (TTL passed before delivery) or {@code CANCELED}. {@code REJECTED}: the device refused to run
 * it. Final states never change.
 */
public enum CommandStatus {
    QUEUED, SENT, DELIVERED, SUCCEEDED, FAILED, REJECTED, TIMED_OUT, EXPIRED, CANCELED;

    public boolean terminal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }

    /** The states from which a command may move to {@code target} (empty for QUEUED: only created so). */
    public static Set<CommandStatus> sources(CommandStatus target) {
        return switch (target) {
            case QUEUED -> EnumSet.noneOf(CommandStatus.class);
            case SENT -> EnumSet.of(QUEUED);
            case DELIVERED -> EnumSet.of(QUEUED, SENT);
            case SUCCEEDED, FAILED, REJECTED, CANCELED -> EnumSet.of(QUEUED, SENT, DELIVERED);
            case TIMED_OUT -> EnumSet.of(SENT, DELIVERED);
            case EXPIRED -> EnumSet.of(QUEUED);
        };
    }

    public static boolean legal(CommandStatus from, CommandStatus to) {
        return sources(to).contains(from);
    }
}
