package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * One relayed event of the outbox.
 *
 * @param seq      its place in the relay's order: the id of live streams ({@code Last-Event-ID})
 * @param id       the CloudEvents id, unique, the same however often it is sent
 * @param type     the CloudEvents type, e.g. {@code io.fleetkeeper.device.status.changed}
 * @param deviceId the device it is about (the CloudEvents subject), or null
 * @param data     the event's data, a JSON object
 */
public record OutboxEvent(long seq, String id, UUID tenantId, @Nullable UUID deviceId, String type, String data,
        Instant time) {
}
