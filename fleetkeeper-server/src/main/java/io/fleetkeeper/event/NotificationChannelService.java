package io.fleetkeeper.event;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.event.internal.AlertRuleRepository;
import io.fleetkeeper.event.internal.ChannelRepository;
import io.fleetkeeper.event.internal.Destinations;
import io.fleetkeeper.event.internal.EscalationPolicyRepository;
import io.fleetkeeper.event.internal.NoticeSender;
import io.fleetkeeper.event.internal.NotificationRepository;
import io.fleetkeeper.event.internal.OncallRepository;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Notification channels: create, read, list, change (name and quiet hours), delete. Their secret is sealed at rest and never returned. */
@Service
public class NotificationChannelService {

    static final Set<String> KINDS = Set.of(NotificationChannel.SLACK, NotificationChannel.TEAMS,
            NotificationChannel.PAGERDUTY, NotificationChannel.WEBHOOK, NotificationChannel.EMAIL);
    private static final Set<String> WRITABLE = Set.of("name", "time_zone", "quiet_hours");
    private static final List<String> SEALED = List.of("url", "routing_key", "to");
    private static final Pattern ROUTING_KEY = Pattern.compile("[A-Za-z0-9]{32}");

    private final ChannelRepository channels;
    private final AlertRuleRepository rules;
    private final NotificationRepository notifications;
    private final Destinations destinations;
    private final Sealer vault;
    private final AuditService audit;
    private final Clock clock;
    private final NoticeSender notices;
    private final OncallRepository schedules;
    private final JsonMapper json;
    private final EscalationPolicyRepository policies;

    NotificationChannelService(ChannelRepository channels, AlertRuleRepository rules,
            NotificationRepository notifications, Destinations destinations, Sealer vault, AuditService audit,
            Clock clock, NoticeSender notices, OncallRepository schedules, JsonMapper json,
            EscalationPolicyRepository policies) {
        this.policies = policies;
        this.json = json;
        this.notices = notices;
        this.schedules = schedules;
        this.channels = channels;
        this.rules = rules;
        this.notifications = notifications;
        this.destinations = destinations;
        this.vault = vault;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public NotificationChannel create(Caller caller, NotificationChannel.Fields in) {
        UUID tenantId = caller.tenantId();
        String secret = validate(in);
        NotificationChannel c = new NotificationChannel(Ids.newId(clock), in.name(), in.kind(), zone(in),
                in.quietHours(), Times.now(clock), 1);
        if (channels.nameTaken(tenantId, c.name())) {
            throw nameTaken(c.name());
        }
        try {
            channels.insert(tenantId, c, vault.seal(secret.getBytes(StandardCharsets.UTF_8), c.id().toString()));
        } catch (DuplicateKeyException e) {
            throw nameTaken(c.name());
        }
        audit.recordDetails(tenantId, caller, "notification_channel.create", "notification_channel",
                c.id().toString(), Map.of("name", c.name(), "kind", c.kind()));
        return c;
    }

    /**
     * Sends a notice to one of the tenant's channels now, one attempt; null when the provider accepted it, else why
     * not (never the channel's URL or addresses). A PagerDuty channel, or one deleted meanwhile, is refused.
     */
    public String deliver(UUID tenantId, UUID channelId, Notice notice) {
        return notices.send(tenantId, channelId, notice);
    }

    /** Whether a channel of this kind takes notices as well as alerts (all but PagerDuty). */
    public static boolean takesNotices(NotificationChannel c) {
        return !c.kind().equals(NotificationChannel.PAGERDUTY);
    }

    public NotificationChannel get(UUID tenantId, UUID id) {
        return channels.find(tenantId, id).orElseThrow(() -> ApiException.notFound("notification channel"))
                .channel();
    }

    public Page<NotificationChannel> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "channel");
        UUID after = c == null ? null : Ids.parseOrNull(c.id());
        if (c != null && after == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
        }
        return Page.of(channels.list(tenantId, after, limit + 1), limit,
                x -> new Cursor("channel", null, x.id().toString()));
    }

    /**
     * Changes a channel's name, time zone and quiet hours (JSON Merge Patch, If-Match); its sealed URL, routing key
     * or addresses cannot be changed (create a new channel).
     */
    @Transactional
    public NotificationChannel update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        if (patch != null && patch.isObject()) {
            List<ApiException.FieldError> sealed = SEALED.stream().filter(patch::has)
                    .map(f -> new ApiException.FieldError(f, "is sealed and cannot be changed; create a new channel"))
                    .toList();
            if (!sealed.isEmpty()) {
                throw new ApiException(ErrorCode.VALIDATION_FAILED, "notification channel is not valid", sealed);
            }
        }
        MergePatch.of(patch, WRITABLE);
        NotificationChannel cur = current(tenantId, id, expectedVersion);
        ObjectNode merged = json.createObjectNode();
        merged.put("name", cur.name());
        merged.put("time_zone", cur.timeZone());
        merged.set("quiet_hours", json.valueToTree(cur.quietHours()));
        patch.properties().forEach(m -> merged.set(m.getKey(), m.getValue()));
        NotificationChannel.Fields in;
        try {
            in = json.treeToValue(merged, NotificationChannel.Fields.class);
        } catch (JacksonException e) {
            String field = e.getPath().stream().map(JacksonException.Reference::getPropertyName)
                    .filter(java.util.Objects::nonNull).findFirst().orElse("body");
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "a field has the wrong type or format",
                    List.of(new ApiException.FieldError(field, "has the wrong type or format")));
        }
        List<ApiException.FieldError> errors = new ArrayList<>();
        checkCommon(in, errors);
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "notification channel is not valid", errors);
        }
        NotificationChannel next = new NotificationChannel(id, in.name(), cur.kind(), zone(in), in.quietHours(),
                cur.createdAt(), cur.version() + 1);
        if (!next.name().equals(cur.name()) && channels.nameTaken(tenantId, next.name())) {
            throw nameTaken(next.name());
        }
        try {
            if (!channels.update(tenantId, next, cur.version())) {
                throw new ApiException(ErrorCode.PRECONDITION_FAILED, "channel changed concurrently; read it again");
            }
        } catch (DuplicateKeyException e) {
            throw nameTaken(next.name());
        }
        audit.record(tenantId, caller, "notification_channel.update", "notification_channel", id.toString(),
                json.writeValueAsString(patch));
        return next;
    }

    private NotificationChannel current(UUID tenantId, UUID id, Long expectedVersion) {
        NotificationChannel cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "channel has changed; its current ETag is \"" + cur.version() + "\"");
        }
        return cur;
    }

    /** The time zone of the quiet hours: as given, UTC when there are quiet hours without one, else null. */
    private static String zone(NotificationChannel.Fields in) {
        return in.timeZone() != null ? in.timeZone() : in.quietHours() != null ? "UTC" : null;
    }

    private static void checkCommon(NotificationChannel.Fields in, List<ApiException.FieldError> errors) {
        if (in.name() == null || in.name().isBlank() || in.name().length() > 100) {
            errors.add(new ApiException.FieldError("name", "is required, at most 100 characters"));
        }
        if (in.timeZone() != null && !OncallService.validZone(in.timeZone())) {
            errors.add(new ApiException.FieldError("time_zone", "must be an IANA time zone such as Europe/Berlin"));
        }
        Violations quiet = new Violations();
        OncallService.checkQuietHours(quiet, in.quietHours());
        if (!quiet.isEmpty()) {
            errors.add(new ApiException.FieldError("quiet_hours",
                    "needs from and to, two different local times (HH:MM)"));
        }
    }

    /** Deletes a channel no rule sends to, and its queued notifications. */
    @Transactional
    public void delete(Caller caller, UUID id, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        NotificationChannel cur = current(tenantId, id, expectedVersion);
        if (rules.usesChannel(tenantId, id)) {
            throw new ApiException(ErrorCode.IN_USE, "an alert rule sends to this channel; change the rule first");
        }
        if (policies.uses(tenantId, id)) {
            throw new ApiException(ErrorCode.IN_USE,
                    "an escalation policy sends to this channel; change the policy first");
        }
        if (schedules.usesChannel(tenantId, id, Times.now(clock))) {
            throw new ApiException(ErrorCode.IN_USE,
                    "an on-call member or override is reached through this channel; change the schedule first");
        }
        if (!channels.delete(tenantId, id, cur.version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "channel changed concurrently; read it again");
        }
        notifications.deleteOfChannel(tenantId, id);
        audit.recordDetails(tenantId, caller, "notification_channel.delete", "notification_channel", id.toString(),
                Map.of("name", cur.name()));
    }

    /** Checks the fields; returns the secret to seal (the URL, the routing key or the addresses). */
    private String validate(NotificationChannel.Fields in) {
        List<ApiException.FieldError> errors = new ArrayList<>();
        checkCommon(in, errors);
        String secret = null;
        if (in.kind() == null || !KINDS.contains(in.kind())) {
            errors.add(new ApiException.FieldError("kind", "must be slack, teams, pagerduty, webhook or email"));
        } else if (in.kind().equals(NotificationChannel.EMAIL)) {
            if (in.url() != null || in.routingKey() != null) {
                errors.add(new ApiException.FieldError(in.url() != null ? "url" : "routing_key",
                        "is not used by email channels"));
            }
            if (in.to() == null || in.to().isEmpty() || in.to().size() > 10) {
                errors.add(new ApiException.FieldError("to", "must list 1 to 10 e-mail addresses"));
            } else {
                for (String address : in.to()) {
                    if (!io.fleetkeeper.event.internal.Mailer.valid(address)) {
                        errors.add(new ApiException.FieldError("to", "'" + address + "' is not an e-mail address"));
                    }
                }
                secret = String.join(",", in.to());
            }
        } else if (in.kind().equals(NotificationChannel.PAGERDUTY)) {
            if (in.routingKey() == null || !ROUTING_KEY.matcher(in.routingKey()).matches()) {
                errors.add(new ApiException.FieldError("routing_key", "must be a 32-character integration key"));
            }
            if (in.url() != null) {
                errors.add(new ApiException.FieldError("url", "is not used by pagerduty channels"));
            }
            secret = in.routingKey();
        } else {
            String refused = in.url() == null ? "is required" : destinations.refusal(in.url());
            if (refused != null) {
                errors.add(new ApiException.FieldError("url", refused));
            }
            if (in.routingKey() != null) {
                errors.add(new ApiException.FieldError("routing_key", "is used by pagerduty channels only"));
            }
            if (in.to() != null) {
                errors.add(new ApiException.FieldError("to", "is used by email channels only"));
            }
            secret = in.url();
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_FAILED, "notification channel is not valid", errors);
        }
        return secret;
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "a notification channel named '" + name + "' exists",
                List.of(new ApiException.FieldError("name", "is already used by another channel")));
    }
}
