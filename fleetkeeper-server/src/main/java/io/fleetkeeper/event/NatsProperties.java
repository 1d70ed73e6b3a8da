package io.fleetkeeper.event;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * NATS JetStream ({@code fleetkeeper.nats.*}).
 *
 * @param url          the NATS server, e.g. {@code nats://127.0.0.1:4222}; empty: events stay in process
 *                     (default empty)
 * @param eventsStream the JetStream stream events are published to, created with subjects
 *                     {@code fk.events.>} when missing (default {@code FK_EVENTS})
 */
@ConfigurationProperties("fleetkeeper.nats")
public record NatsProperties(@DefaultValue("") String url, @DefaultValue("FK_EVENTS") String eventsStream) {
}
