package io.fleetkeeper.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.command.internal.CommandPublisher;
import io.fleetkeeper.command.internal.CommandRepository;
import io.fleetkeeper.command.internal.CommandWaiters;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.MutableClock;
import io.fleetkeeper.testing.TestTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/** The state machine, and TTL expiry and time-outs driven by a clock the test moves. */
class CommandLifecycleTests extends ApiTest {

    @Autowired CommandRepository repository;
    @Autowired CommandPublisher publisher;
    @Autowired CommandWaiters waiters;
    @Autowired DeviceService devices;
    @Autowired AuditService audit;
    @Autowired CommandProperties properties;
    @Autowired JsonMapper json;
    @Autowired PlatformTransactionManager txManager;
    @Autowired org.springframework.context.ApplicationEventPublisher events;

    private final MutableClock clock = new MutableClock(Instant.now().plus(Duration.ofDays(3650)));
    private CommandService commands;
    private UUID tenantId;
    private UUID deviceId;
    private Caller operator;

    @BeforeEach
    void setUp() {
        commands = new CommandService(repository, publisher, waiters, devices, audit, properties, json, clock, txManager,
                events);
        TestTenant t = newTenant();
        tenantId = UUID.fromString(t.id());
        deviceId = UUID.fromString(createDevice(t.admin(), device("pump")).path("id").asString());
        operator = new Caller(tenantId, "test-operator", Role.OPERATOR);
    }

    @Test
    void onlyLegalTransitionsAreAllowed() {
        assertThat(CommandStatus.legal(CommandStatus.QUEUED, CommandStatus.SENT)).isTrue();
        assertThat(CommandStatus.legal(CommandStatus.SENT, CommandStatus.DELIVERED)).isTrue();
        assertThat(CommandStatus.legal(CommandStatus.DELIVERED, CommandStatus.SUCCEEDED)).isTrue();
        assertThat(CommandStatus.legal(CommandStatus.DELIVERED, CommandStatus.SENT)).isFalse();
        assertThat(CommandStatus.legal(CommandStatus.DELIVERED, CommandStatus.EXPIRED)).isFalse();
        assertThat(CommandStatus.legal(CommandStatus.QUEUED, CommandStatus.TIMED_OUT)).isFalse();
        for (CommandStatus done : CommandStatus.values()) {
            if (done.terminal()) {
                for (CommandStatus to : CommandStatus.values()) {
                    assertThat(CommandStatus.legal(done, to)).as(done + " → " + to).isFalse();
                }
            }
        }
    }

    @Test
    void queuedCommandExpiresWhenItsTtlPassesBeforeDelivery() {
        Command c = create(60);
        clock.advance(Duration.ofSeconds(59));
        commands.sweep();
        assertThat(commands.get(tenantId, deviceId, c.id()).status()).isEqualTo(CommandStatus.QUEUED);
        clock.advance(Duration.ofSeconds(1));
        commands.sweep();
        Command expired = commands.get(tenantId, deviceId, c.id());
        assertThat(expired.status()).isEqualTo(CommandStatus.EXPIRED);
        assertThat(expired.finishedAt()).isEqualTo(Instant.ofEpochMilli(clock.millis()));
        assertThat(commands.poll(tenantId, deviceId)).isEmpty();
        assertThatThrownBy(() -> commands.report(tenantId, deviceId, c.id(), "SUCCEEDED", null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code().name())
                        .isEqualTo("INVALID_TRANSITION"));
    }

    @Test
    void deliveredCommandWithoutResultTimesOut() {
        Command c = create(30);
        assertThat(commands.poll(tenantId, deviceId)).extracting(Command::id).containsExactly(c.id());
        clock.advance(Duration.ofSeconds(31));
        commands.sweep();
        assertThat(commands.get(tenantId, deviceId, c.id()).status()).isEqualTo(CommandStatus.TIMED_OUT);
        assertThat(commands.acknowledge(tenantId, deviceId, c.id())).isFalse();
    }

    @Test
    void sameIdempotencyKeyCreatesANewCommandOnceTheFirstTtlPassed() {
        NewCommand in = new NewCommand("reboot", null, 60L, "k-1");
        Command first = commands.create(operator, deviceId, in).command();
        assertThat(commands.create(operator, deviceId, in).command().id()).isEqualTo(first.id());
        clock.advance(Duration.ofSeconds(61));
        CommandService.Created second = commands.create(operator, deviceId, in);
        assertThat(second.created()).isTrue();
        assertThat(second.command().id()).isNotEqualTo(first.id());
    }

    private Command create(long ttl) {
        return commands.create(operator, deviceId, new NewCommand("reboot", null, ttl, null)).command();
    }
}
