package io.fleetkeeper.command.internal;

import io.fleetkeeper.command.CommandProperties;
import io.fleetkeeper.command.CommandService;
import io.fleetkeeper.store.Leases;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Runs {@link CommandService#sweep} every {@code sweep-delay-ms} on one node at a time (a lease). */
@Component
class CommandSweeper {

    private static final Logger log = LoggerFactory.getLogger(CommandSweeper.class);

    private final CommandService commands;
    private final Leases leases;
    private final CommandProperties props;

    CommandSweeper(CommandService commands, Leases leases, CommandProperties props) {
        this.commands = commands;
        this.leases = leases;
        this.props = props;
    }

    @Scheduled(initialDelayString = "${fleetkeeper.commands.sweep-delay-ms:5000}",
            fixedDelayString = "${fleetkeeper.commands.sweep-delay-ms:5000}")
    void scheduled() {
        if (!leases.tryAcquire("command-sweeper", Duration.ofMillis(props.sweepDelayMs() * 3))) {
            return;
        }
        try {
            commands.sweep();
        } catch (RuntimeException e) {
            log.error("command sweep failed", e);
        }
    }
}
