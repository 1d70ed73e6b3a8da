package io.fleetkeeper.event;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Events out ({@code fleetkeeper.events.*}): the outbox relay, live streams and message routes.
 *
 * @param relayEnabled           whether this node may run the relay (sequencing the outbox, NATS forwarding,
 *                               route dispatch); one node at a time does, under a lease (default true)
 * @param pollInterval           how often the relay, the streams and the delivery worker look for new work when
 *                               nothing woke them (default 200 ms)
 * @param batchSize              events or deliveries handled per step (default 500)
 * @param leaseTtl               how long a node's hold on a relay or delivery lease lasts without renewal
 *                               (default 10 s)
 * @param retention              how long relayed events stay in the outbox for streams resuming with
 *                               {@code Last-Event-ID} (default 7 days)
 * @param deliveryEnabled        whether this node runs webhook deliveries (default true; the HTTP test suite
 *                               drives them itself with a clock it moves)
 * @param retryInitial           the first retry delay of a failed delivery; it doubles each attempt (default 5 s)
 * @param retryMax               the longest delay between two attempts (default 1 h)
 * @param retryFor               how long a delivery is retried before it becomes a dead letter (default 24 h)
 * @param breakerFailures        consecutive failed attempts that open a route's circuit breaker (default 5)
 * @param breakerCooldown        how long an open breaker holds a route's deliveries before one trial attempt
 *                               (default 30 s)
 * @param allowedPrivateNetworks CIDR blocks a webhook may resolve to although they are loopback, link-local,
 *                               private or otherwise non-public (default none: such addresses are refused)
 * @param responseLimit          most bytes of a webhook's response body read and kept (default 1024)
 * @param postgresConnections    the external PostgreSQL databases routes may insert into, by name: each with a
 *                               JDBC {@code url}, a {@code username} and a {@code password} (default none)
 * @param maxStreamsPerTenant    most live event streams ({@code /api/v1/events/stream}) a tenant may hold open
 *                               at once, on this node; one more is refused with 429 (default 20)
 * @param deliveryConcurrency    most deliveries of one route sent at once, each to a different device (a
 *                               device's events are sent one after the other, in order) (default 32)
 * @param telemetryRoutesRefresh how long a node keeps the routes with a telemetry source in memory before reading
 *                               them again; a change made on the node applies at once, one made on another node
 *                               within this time (default 5 s)
 * @param streamHeartbeat        how often a live stream (events or the console's) sends a comment line when idle
 *                               and checks that it may go on, idle or busy; a client that left is noticed at the
 *                               latest at the second heartbeat after it left, and its stream is then counted no more
 *                               (default 15 s)
 */
@ConfigurationProperties("fleetkeeper.events")
public record EventProperties(
        @DefaultValue("true") boolean relayEnabled,
        @DefaultValue("200ms") Duration pollInterval,
        @DefaultValue("500") int batchSize,
        @DefaultValue("10s") Duration leaseTtl,
        @DefaultValue("7d") Duration retention,
        @DefaultValue("true") boolean deliveryEnabled,
        @DefaultValue("5s") Duration retryInitial,
        @DefaultValue("1h") Duration retryMax,
        @DefaultValue("24h") Duration retryFor,
        @DefaultValue("5") int breakerFailures,
        @DefaultValue("30s") Duration breakerCooldown,
        @DefaultValue("") List<String> allowedPrivateNetworks,
        @DefaultValue("1024") int responseLimit,
        Map<String, PostgresConnection> postgresConnections,
        @DefaultValue("20") int maxStreamsPerTenant,
        @DefaultValue("32") int deliveryConcurrency,
        @DefaultValue("5s") Duration telemetryRoutesRefresh,
        @DefaultValue("15s") Duration streamHeartbeat) {

    public EventProperties {
        postgresConnections = postgresConnections == null ? Map.of() : Map.copyOf(postgresConnections);
    }

    /** An external PostgreSQL database a route may write to; defined by the platform operator only. */
    public record PostgresConnection(String url, String username, String password) {
    }
}
