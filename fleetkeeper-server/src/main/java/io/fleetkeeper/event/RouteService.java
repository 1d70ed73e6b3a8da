package io.fleetkeeper.event;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.event.internal.DeliveryRepository;
import io.fleetkeeper.event.internal.RouteRepository;
import io.fleetkeeper.event.internal.RouteRules;
import io.fleetkeeper.event.internal.RouteSenders;
import io.fleetkeeper.event.internal.TelemetryRoutes;
import io.fleetkeeper.event.internal.WebhookSender;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.store.AfterCommit;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Message routes: create, read, list, change, delete; their delivery log, dead-letter replay and a test send. */
@Service
public class RouteService {

    /** How a test send went. */
    public record TestResult(boolean delivered, Integer status, Long latencyMs, String error, String response) {
    }

    private final RouteRepository routes;
    private final DeliveryRepository deliveries;
    private final RouteRules rules;
    private final Sealer vault;
    private final RouteSenders senders;
    private final AuditService audit;
    private final TelemetryRoutes telemetryRoutes;
    private final JsonMapper json;
    private final Clock clock;

    RouteService(RouteRepository routes, DeliveryRepository deliveries, RouteRules rules, Sealer vault,
            RouteSenders senders, AuditService audit, TelemetryRoutes telemetryRoutes, JsonMapper json, Clock clock) {
        this.telemetryRoutes = telemetryRoutes;
        this.senders = senders;
        this.routes = routes;
        this.deliveries = deliveries;
        this.rules = rules;
        this.vault = vault;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    /** Creates a route; the answer holds its webhook secret, the only time it is shown. */
    @Transactional
    public Route create(Caller caller, RouteFields in) {
        UUID tenantId = caller.tenantId();
        Instant now = Times.now(clock);
        RouteRules.Valid v = rules.validate(in, true);
        Route r = new Route(Ids.newId(clock), in.name(), v.source(), v.condition(), v.payloadCondition(),
                v.destination(), in.enabled() == null || in.enabled(), now, now, 1);
        checkName(tenantId, r);
        try {
            routes.insert(tenantId, r, seal(v.key(), r.id()));
        } catch (DuplicateKeyException e) {
            throw nameTaken(r.name());
        }
        AfterCommit.run(telemetryRoutes::changed);
        audit.recordDetails(tenantId, caller, "route.create", "route", r.id().toString(),
                Map.of("name", r.name(), "type", r.destination().type(), "target", target(r.destination())));
        return r;
    }

    public Route get(UUID tenantId, UUID id) {
        return stored(tenantId, id).route();
    }

    public Page<Route> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "route");
        UUID after = c == null ? null : Ids.parseOrNull(c.id());
        if (c != null && after == null) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
        }
        return Page.of(routes.list(tenantId, after, limit + 1), limit, r -> new Cursor("route", null, r.id().toString()));
    }

    /**
     * Applies a JSON Merge Patch to name, source, condition, payload_condition, destination (its members merged
     * one level deep; a new {@code secret} replaces the old one and is shown in the answer) and enabled.
     */
    @Transactional
    public Route update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch.of(patch, Set.of("name", "source", "condition", "payload_condition", "destination", "enabled"));
        RouteRepository.Stored cur = current(tenantId, id, expectedVersion);
        ObjectNode merged = json.valueToTree(toFields(cur.route()));
        patch.properties().forEach(m -> {
            if (m.getKey().equals("destination") && m.getValue().isObject()) {
                ObjectNode dest = (ObjectNode) merged.get("destination");
                m.getValue().properties().forEach(d -> dest.set(d.getKey(), d.getValue()));
            } else {
                merged.set(m.getKey(), m.getValue());
            }
        });
        RouteFields in = rules.read(merged);
        boolean webhook = Route.Destination.WEBHOOK.equals(in.destination() == null ? null
                : in.destination().type());
        // a webhook gets a secret when it sets one, or when it was not a webhook before
        boolean newSecret = webhook && (patch.path("destination").has("secret") || cur.sealedSecret() == null);
        RouteRules.Valid v = rules.validate(in, newSecret);
        Route next = new Route(id, in.name(), v.source(), v.condition(), v.payloadCondition(),
                newSecret ? v.destination() : v.destination().withoutSecret(), in.enabled() == null || in.enabled(),
                cur.route().createdAt(), Times.now(clock), cur.route().version() + 1);
        checkName(tenantId, next);
        String sealed = !webhook ? null : newSecret ? seal(v.key(), id) : cur.sealedSecret();
        if (!routes.update(tenantId, next, sealed, cur.route().version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "route changed concurrently; read it again");
        }
        AfterCommit.run(telemetryRoutes::changed);
        audit.record(tenantId, caller, newSecret ? "route.update_secret" : "route.update", "route", id.toString(),
                null);
        return next;
    }

    /** Deletes a route and its delivery queue and log. */
    @Transactional
    public void delete(Caller caller, UUID id, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        RouteRepository.Stored cur = current(tenantId, id, expectedVersion);
        if (!routes.delete(tenantId, id, cur.route().version())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "route changed concurrently; read it again");
        }
        deliveries.deleteOfRoute(tenantId, id);
        AfterCommit.run(telemetryRoutes::changed);
        audit.recordDetails(tenantId, caller, "route.delete", "route", id.toString(),
                Map.of("name", cur.route().name()));
    }

    /** A route's deliveries, newest first; only those of {@code status} when given. */
    public Page<RouteDelivery> deliveries(UUID tenantId, UUID id, String status, String cursor, int limit) {
        if (status != null && !Set.of(RouteDelivery.PENDING, RouteDelivery.DELIVERED, RouteDelivery.DEAD)
                .contains(status)) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "status must be pending, delivered or dead");
        }
        stored(tenantId, id);
        Cursor c = Cursor.decode(cursor, "delivery");
        long before = Long.MAX_VALUE;
        if (c != null) {
            try {
                before = Long.parseLong(c.id());
            } catch (NumberFormatException e) {
                throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid");
            }
        }
        return Page.of(deliveries.list(tenantId, id, status, before, limit + 1), limit,
                d -> new Cursor("delivery", null, Long.toString(d.id())));
    }

    /** Queues a route's dead letters again, due now; returns how many. */
    @Transactional
    public int replayDeadLetters(Caller caller, UUID id) {
        UUID tenantId = caller.tenantId();
        stored(tenantId, id);
        int n = deliveries.replayDead(tenantId, id, clock.millis());
        audit.recordDetails(tenantId, caller, "route.replay", "route", id.toString(), Map.of("deliveries", n));
        return n;
    }

    /** Sends a sample event ({@code io.fleetkeeper.route.test}) to the route's destination now (signed for a webhook), not queued. */
    public TestResult test(Caller caller, UUID id) {
        RouteRepository.Stored s = stored(caller.tenantId(), id);
        Route r = s.route();
        String eventId = Ids.newId(clock).toString();
        ObjectNode ce = json.createObjectNode().put("specversion", "1.0").put("id", eventId)
                .put("source", "/fleetkeeper/tenants/" + caller.tenantId()).put("type", EventTypes.PREFIX + "route.test")
                .put("time", Times.now(clock).toString()).put("datacontenttype", "application/json")
                .put("tenantid", caller.tenantId().toString());
        ce.putObject("data").put("route_id", id.toString()).put("route_name", r.name());
        Route.Destination d = r.destination();
        String body = json.writeValueAsString(ce);
        WebhookSender.Result res = senders.send(d, senders.key(s), caller.tenantId(), null, eventId,
                EventTypes.PREFIX + "route.test", body);
        return new TestResult(res.ok(), res.status(), res.latencyMs(), res.error(), res.response());
    }

    /** Where a destination points, for the audit log. */
    private static String target(Route.Destination d) {
        return switch (d.type()) {
            case Route.Destination.POSTGRESQL -> d.connection() + ":" + d.table();
            case Route.Destination.NATS -> d.subject();
            default -> d.url();
        };
    }

    private String seal(byte[] key, UUID routeId) {
        return key == null ? null : vault.seal(key, routeId.toString());
    }

    private RouteRepository.Stored stored(UUID tenantId, UUID id) {
        return routes.find(tenantId, id).orElseThrow(() -> ApiException.notFound("route"));
    }

    private RouteRepository.Stored current(UUID tenantId, UUID id, Long expectedVersion) {
        RouteRepository.Stored cur = stored(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.route().version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED,
                    "route has changed; its current ETag is \"" + cur.route().version() + "\"");
        }
        return cur;
    }

    private static RouteFields toFields(Route r) {
        Route.Destination d = r.destination();
        return new RouteFields(r.name(), r.source(), r.condition(), r.payloadCondition(),
                new RouteFields.Destination(d.type(), d.url(), null, d.headers(), d.timeoutMs(), d.topic(), d.qos(),
                        d.connection(), d.table(), d.columns(), d.subject()), r.enabled());
    }

    private void checkName(UUID tenantId, Route r) {
        if (routes.nameTaken(tenantId, r.name(), r.id())) {
            throw nameTaken(r.name());
        }
    }

    private static ApiException nameTaken(String name) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "a route named '" + name + "' exists",
                java.util.List.of(new ApiException.FieldError("name", "is already used by another route")));
    }
}
