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
 * @param routesStream   the JetStream work-queue stream route deliveries go through, created with subjects
 *                       {@code <routes-subject>.>} when missing (default {@code FK_ROUTES})
 * @param routesSubject  the subject prefix of route deliveries: {@code <prefix>.<tenant>.<route>} (default
 *                       {@code routes})
 * @param routesConsumer the durable pull consumer every node shares to deliver routes (default
 *                       {@code fk-route-delivery})
 */
@ConfigurationProperties("fleetkeeper.nats")
public record NatsProperties(@DefaultValue("") String url, @DefaultValue("FK_EVENTS") String eventsStream,
        @DefaultValue("FK_ROUTES") String routesStream, @DefaultValue("routes") String routesSubject,
        @DefaultValue("fk-route-delivery") String routesConsumer) {

    public boolean enabled() {
        return url != null && !url.isBlank();
    }
}
