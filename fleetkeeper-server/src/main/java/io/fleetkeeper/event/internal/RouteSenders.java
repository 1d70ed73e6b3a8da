package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.Route;
import io.fleetkeeper.pki.Sealer;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Sends one event to a route's destination, whichever kind it is. */
@Component
public class RouteSenders {

    /** The subject prefix of the {@code nats} destination: {@code fk.out.<tenant>.<template>}. */
    public static final String NATS_PREFIX = "fk.out.";

    private final WebhookSender webhooks;
    private final MqttRepublisher mqtt;
    private final PostgresInserter postgres;
    private final RouteStream nats;
    private final Sealer vault;

    RouteSenders(WebhookSender webhooks, MqttRepublisher mqtt, PostgresInserter postgres, RouteStream nats,
            Sealer vault) {
        this.webhooks = webhooks;
        this.mqtt = mqtt;
        this.postgres = postgres;
        this.nats = nats;
        this.vault = vault;
    }

    /** The signing key of a webhook route, or null for other kinds. */
    public byte[] key(RouteRepository.Stored stored) {
        return stored.route().destination().isWebhook()
                ? vault.open(stored.sealedSecret(), stored.route().id().toString()) : null;
    }

    public WebhookSender.Result send(Route.Destination d, byte[] key, UUID tenantId, UUID deviceId, String eventId,
            String eventType, String body) {
        return switch (d.type()) {
            case Route.Destination.WEBHOOK -> webhooks.send(d.url(), d.headers(), d.timeoutMs(), key, eventId, body);
            case Route.Destination.MQTT -> mqtt.publish(d, MqttRepublisher.topic(d.topic(), tenantId, deviceId,
                    eventType), body);
            case Route.Destination.POSTGRESQL -> postgres.insert(d, body);
            case Route.Destination.NATS -> nats.publishTo(NATS_PREFIX + tenantId + "."
                    + MqttRepublisher.topic(d.subject(), tenantId, deviceId, eventType), body, d.timeoutMs());
            default -> new WebhookSender.Result(null, "unknown destination type " + d.type(), 0, null);
        };
    }
}
