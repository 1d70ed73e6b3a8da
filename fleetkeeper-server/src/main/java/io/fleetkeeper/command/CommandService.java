package io.fleetkeeper.command;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.command.internal.CommandPublisher;
import io.fleetkeeper.command.internal.CommandRepository;
import io.fleetkeeper.command.internal.CommandRepository.Row;
import io.fleetkeeper.command.internal.CommandWaiters;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatusChanged;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.tenancy.Caller;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Commands to one device: create (idempotent per key within the TTL), deliver, acknowledge, finish, cancel.
 * Every status change is a conditional UPDATE on the current status ({@link CommandStatus#sources}), so of two
 * racing changes one wins and final states never change. Every change appends {@code COMMAND-<STATUS>} to the
 * device's events; operators' creates and cancels are audited.
 */
@Service
public class CommandService {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");

    /** A created command, and whether it was created now (false: an earlier one with the same key). */
    public record Created(Command command, boolean created) {
    }

    private final CommandRepository commands;
    private final CommandPublisher publisher;
    private final CommandWaiters waiters;
    private final DeviceService devices;
    private final AuditService audit;
    private final CommandProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;

    CommandService(CommandRepository commands, CommandPublisher publisher, CommandWaiters waiters,
            DeviceService devices, AuditService audit, CommandProperties properties, JsonMapper json, Clock clock,
            PlatformTransactionManager txManager, ApplicationEventPublisher events) {
        this.tx = new TransactionTemplate(txManager);
        this.events = events;
        this.commands = commands;
        this.publisher = publisher;
        this.waiters = waiters;
        this.devices = devices;
        this.audit = audit;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Queues a command; after commit it is published to the device and, when the device is subscribed on this
     * node, marked SENT. The same idempotency key for the device within the earlier command's TTL returns it.
     */
    @Transactional
    public Created create(Caller caller, UUID deviceId, NewCommand in) {
        UUID tenantId = caller.tenantId();
        validate(in);
        requireDevice(tenantId, deviceId);
        long now = clock.millis();
        String key = in.idempotencyKey();
        if (key != null) {
            var existing = commands.findByKey(tenantId, deviceId, key).filter(r -> r.expiresAt() > now);
            if (existing.isPresent()) {
                return new Created(view(existing.get()), false);
            }
            commands.releaseKey(tenantId, deviceId, key, now);
        }
        long ttl = in.ttl() == null ? properties.defaultTtlSeconds() : in.ttl();
        Row row = new Row(tenantId, Ids.newId(clock), deviceId, in.name(),
                in.payload() == null ? null : json.writeValueAsString(in.payload()), CommandStatus.QUEUED, key,
                caller.actor(), now, now + ttl * 1000, null, null, null, null, null);
        if (!commands.insert(row)) { // a concurrent create with the same key won
            return new Created(view(commands.findByKey(tenantId, deviceId, key).orElseThrow()), false);
        }
        Command created = view(row);
        Map<String, Object> details = details(created);
        details.put("name", created.name());
        devices.recordEvent(tenantId, deviceId, "COMMAND-QUEUED", caller.actor(), json.writeValueAsString(details));
        audit.recordDetails(tenantId, caller, "command.create", "device", deviceId.toString(), details);
        AfterCommit.run(() -> {
            publisher.send(tenantId, created);
            if (publisher.subscribedHere(deviceId)) {
                move(tenantId, created.id(), deviceId, CommandStatus.SENT, null, "system");
            }
        });
        return new Created(created, true);
    }

    /**
     * A job's commands, one per device, in the caller's transaction: one batch insert and one batch of
     * {@code COMMAND-QUEUED} events (no audit per device: the job is audited). After commit each is published,
     * and those whose device is subscribed on this node become SENT. Returns each device's command id.
     */
    @Transactional
    public Map<UUID, UUID> createForJob(UUID tenantId, String actor, UUID jobId, List<UUID> deviceIds, String name,
            JsonNode payload, long ttlSeconds) {
        long now = clock.millis();
        String text = payload == null || payload.isNull() ? null : json.writeValueAsString(payload);
        Map<UUID, UUID> ids = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>(deviceIds.size());
        List<io.fleetkeeper.device.NewDeviceEvent> queued = new ArrayList<>(deviceIds.size());
        for (UUID deviceId : deviceIds) {
            UUID id = Ids.newId(clock);
            ids.put(deviceId, id);
            rows.add(new Row(tenantId, id, deviceId, name, text, CommandStatus.QUEUED, null, actor, now,
                    now + ttlSeconds * 1000, null, null, null, null, jobId));
            queued.add(new io.fleetkeeper.device.NewDeviceEvent(deviceId, "COMMAND-QUEUED", actor,
                    "{\"command_id\":\"" + id + "\",\"job_id\":\"" + jobId + "\"}", Instant.ofEpochMilli(now)));
        }
        commands.insertAll(rows);
        devices.recordEvents(tenantId, queued);
        List<Command> created = rows.stream().map(this::view).toList();
        AfterCommit.run(() -> {
            for (Command c : created) {
                publisher.send(tenantId, c);
                if (publisher.subscribedHere(c.deviceId())) {
                    move(tenantId, c.id(), c.deviceId(), CommandStatus.SENT, null, "system");
                }
            }
        });
        return ids;
    }

    /** Checks a command as {@link #create} would (400 VALIDATION_FAILED, 413 PAYLOAD_TOO_LARGE), creating nothing. */
    public void check(NewCommand in) {
        validate(in);
    }

    /** Cancels an open command for its job (no audit entry); false when it is already final. */
    @Transactional
    public boolean cancelForJob(UUID tenantId, UUID deviceId, UUID id, String actor) {
        return move(tenantId, id, deviceId, CommandStatus.CANCELED, null, actor);
    }

    /**
     * Cancels a job's open commands at once (a forced job cancel, whose executions already ended): one batch
     * update and one batch of {@code COMMAND-CANCELED} events; no {@link CommandFinished} is published.
     * {@code commandByDevice} maps each device to its command.
     */
    @Transactional
    public int cancelAllForJob(UUID tenantId, UUID jobId, Map<UUID, UUID> commandByDevice) {
        if (commandByDevice.isEmpty()) {
            return 0;
        }
        long now = clock.millis();
        Map<UUID, UUID> deviceByCommand = new java.util.HashMap<>();
        commandByDevice.forEach((device, command) -> deviceByCommand.put(command, device));
        List<UUID> canceled = commands.cancelAll(tenantId, List.copyOf(deviceByCommand.keySet()), now);
        List<io.fleetkeeper.device.NewDeviceEvent> events = new ArrayList<>(canceled.size());
        for (UUID id : canceled) {
            events.add(new io.fleetkeeper.device.NewDeviceEvent(deviceByCommand.get(id), "COMMAND-CANCELED",
                    "job:" + jobId, "{\"command_id\":\"" + id + "\",\"job_id\":\"" + jobId + "\"}",
                    Instant.ofEpochMilli(now)));
        }
        devices.recordEvents(tenantId, events);
        return canceled.size();
    }

    public Command get(UUID tenantId, UUID deviceId, UUID id) {
        return commands.find(tenantId, id).filter(r -> r.deviceId().equals(deviceId)).map(this::view)
                .orElseThrow(() -> ApiException.notFound("command"));
    }

    public Page<Command> list(UUID tenantId, UUID deviceId, CommandStatus status, String cursor, int limit) {
        requireDevice(tenantId, deviceId);
        Cursor c = Cursor.decode(cursor, "command");
        UUID before = c == null ? null : Ids.parseOrNull(c.id());
        return Page.of(commands.list(tenantId, deviceId, status, before, limit + 1), limit,
                r -> new Cursor("command", null, r.id().toString())).map(this::view);
    }

    /** Cancels an open command; 409 INVALID_TRANSITION when it is already final. */
    @Transactional
    public Command cancel(Caller caller, UUID deviceId, UUID id) {
        UUID tenantId = caller.tenantId();
        Command c = get(tenantId, deviceId, id);
        if (!move(tenantId, id, deviceId, CommandStatus.CANCELED, null, caller.actor())) {
            throw refused(get(tenantId, deviceId, id), CommandStatus.CANCELED);
        }
        audit.recordDetails(tenantId, caller, "command.cancel", "device", deviceId.toString(), details(c));
        return get(tenantId, deviceId, id);
    }

    /** The device's undelivered commands (QUEUED, SENT) within their TTL; each is marked DELIVERED. */
    @Transactional
    public List<Command> poll(UUID tenantId, UUID deviceId) {
        List<Command> out = new ArrayList<>();
        for (Row r : commands.pending(tenantId, deviceId, clock.millis(), 100)) {
            if (move(tenantId, r.id(), deviceId, CommandStatus.DELIVERED, null, "device:" + deviceId)) {
                out.add(get(tenantId, deviceId, r.id()));
            }
        }
        return out;
    }

    /** Sends the undelivered commands to a device that just subscribed; QUEUED ones become SENT. */
    public void sendPending(UUID tenantId, UUID deviceId) {
        for (Row r : commands.pending(tenantId, deviceId, clock.millis(), 100)) {
            publisher.send(tenantId, view(r));
            if (r.status() == CommandStatus.QUEUED) {
                move(tenantId, r.id(), deviceId, CommandStatus.SENT, null, "system");
            }
        }
    }

    /** The device acknowledged receipt: QUEUED or SENT becomes DELIVERED; anything else is left alone. */
    @Transactional
    public boolean acknowledge(UUID tenantId, UUID deviceId, UUID id) {
        get(tenantId, deviceId, id);
        return move(tenantId, id, deviceId, CommandStatus.DELIVERED, null, "device:" + deviceId);
    }

    /**
     * The device's outcome: {@code status} SUCCEEDED, FAILED or REJECTED (it refuses to run the command); 409
     * INVALID_TRANSITION when already final.
     */
    @Transactional
    public Command report(UUID tenantId, UUID deviceId, UUID id, String status, JsonNode result) {
        CommandStatus to;
        try {
            to = CommandStatus.valueOf(String.valueOf(status));
        } catch (IllegalArgumentException e) {
            to = null;
        }
        if (to != CommandStatus.SUCCEEDED && to != CommandStatus.FAILED && to != CommandStatus.REJECTED) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "status must be SUCCEEDED, FAILED or REJECTED",
                    List.of(new ApiException.FieldError("status", "must be SUCCEEDED, FAILED or REJECTED")));
        }
        String text = result == null || result.isNull() ? null : json.writeValueAsString(result);
        checkSize("result", text);
        get(tenantId, deviceId, id);
        if (!move(tenantId, id, deviceId, to, text, "device:" + deviceId)) {
            throw refused(get(tenantId, deviceId, id), to);
        }
        return get(tenantId, deviceId, id);
    }

    /**
     * Waits up to {@code wait} for the command to reach a final state: woken at once by a finish on this node,
     * and re-reading the store every 200 ms for a finish on another node. Returns the command as it is then.
     */
    public Command await(UUID tenantId, UUID deviceId, UUID id, Duration wait) throws InterruptedException {
        var done = waiters.register(id);
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                Command c = get(tenantId, deviceId, id);
                long left = deadline - System.nanoTime();
                if (c.status().terminal() || left <= 0) {
                    return c;
                }
                try {
                    done.get(Math.min(left, Duration.ofMillis(200).toNanos()), java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // re-read
                }
            }
        } finally {
            waiters.forget(id);
        }
    }

    /**
     * Moves overdue open commands: QUEUED → EXPIRED, SENT / DELIVERED → TIMED_OUT. Each move and its event commit together.
     * Returns how many moved.
     */
    public int sweep() {
        long now = clock.millis();
        int moved = 0;
        for (Row r : commands.overdue(now, 1000)) {
            CommandStatus to = r.status() == CommandStatus.QUEUED ? CommandStatus.EXPIRED : CommandStatus.TIMED_OUT;
            if (Boolean.TRUE.equals(tx.execute(s -> move(r.tenantId(), r.id(), r.deviceId(), to, null, "system")))) {
                moved++;
            }
        }
        return moved;
    }

    /** A purged device's commands go with it. */
    @EventListener
    @Transactional
    public void onDeviceStatusChanged(DeviceStatusChanged e) {
        if (e.status() == null) {
            commands.deleteDevice(e.tenantId(), e.deviceId());
        }
    }

    private boolean move(UUID tenantId, UUID id, UUID deviceId, CommandStatus to, String result, String actor) {
        CommandRepository.Moved moved = commands.transition(tenantId, id, to, clock.millis(), result);
        if (moved == null) {
            return false;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("command_id", id.toString());
        if (moved.jobId() != null) {
            details.put("job_id", moved.jobId().toString());
            if (to.terminal()) {
                events.publishEvent(new CommandFinished(tenantId, moved.jobId(), deviceId, id, to, result));
            }
        }
        devices.recordEvent(tenantId, deviceId, "COMMAND-" + to.name(), actor, json.writeValueAsString(details));
        if (to.terminal()) {
            AfterCommit.run(() -> waiters.finished(id));
        }
        return true;
    }

    private void validate(NewCommand in) {
        List<ApiException.FieldError> errors = new ArrayList<>();
        if (in.name() == null || !NAME.matcher(in.name()).matches()) {
            errors.add(new ApiException.FieldError("name", "1 to 64 of A-Z a-z 0-9 _ . : -"));
        }
        if (in.ttl() != null && (in.ttl() < 1 || in.ttl() > properties.maxTtlSeconds())) {
            errors.add(new ApiException.FieldError("ttl", "between 1 and " + properties.maxTtlSeconds() + " seconds"));
        }
        if (in.idempotencyKey() != null && !KEY.matcher(in.idempotencyKey()).matches()) {
            errors.add(new ApiException.FieldError("idempotency_key", "1 to 128 printable ASCII characters"));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "the command is not valid", errors);
        }
        checkSize("payload", in.payload() == null ? null : json.writeValueAsString(in.payload()));
    }

    private void checkSize(String what, String text) {
        int bytes = text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > properties.maxPayloadBytes()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the " + what + " takes " + bytes
                    + " bytes as JSON; the limit is " + properties.maxPayloadBytes());
        }
    }

    private static ApiException refused(Command c, CommandStatus to) {
        return new ApiException(ErrorCode.INVALID_TRANSITION, "the command is " + c.status() + "; it cannot become "
                + to, Map.of("command_status", c.status().name()));
    }

    private void requireDevice(UUID tenantId, UUID deviceId) {
        if (!devices.exists(tenantId, deviceId)) {
            throw ApiException.notFound("device");
        }
    }

    private static Map<String, Object> details(Command c) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("command_id", c.id().toString());
        return d;
    }

    private Command view(Row r) {
        return new Command(r.id(), r.deviceId(), r.name(), r.payload() == null ? null : json.readTree(r.payload()),
                r.status(), r.idempotencyKey(), r.actor(), Instant.ofEpochMilli(r.createdAt()),
                Instant.ofEpochMilli(r.expiresAt()), at(r.sentAt()), at(r.deliveredAt()), at(r.finishedAt()),
                r.result() == null ? null : json.readTree(r.result()), r.jobId());
    }

    private static Instant at(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }
}
