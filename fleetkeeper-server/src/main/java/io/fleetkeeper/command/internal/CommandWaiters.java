package io.fleetkeeper.command.internal;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;

/**
 * Synchronous callers waiting for a command's final state on this node: the code that finishes a command
 * completes its future, so a waiter wakes at once instead of polling the store.
 */
@Component
public class CommandWaiters {

    private final ConcurrentMap<UUID, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    /** The future a waiter blocks on; call {@link #forget} when done. */
    public CompletableFuture<Void> register(UUID commandId) {
        return waiting.computeIfAbsent(commandId, id -> new CompletableFuture<>());
    }

    public void forget(UUID commandId) {
        waiting.remove(commandId);
    }

    /** The command reached a final state: wake its waiters. */
    public void finished(UUID commandId) {
        CompletableFuture<Void> f = waiting.remove(commandId);
        if (f != null) {
            f.complete(null);
        }
    }
}
