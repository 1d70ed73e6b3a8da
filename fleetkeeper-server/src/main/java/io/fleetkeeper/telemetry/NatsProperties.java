package io.fleetkeeper.telemetry;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * NATS JetStream for telemetry. Empty {@code url} (the default): no NATS, telemetry goes through the embedded
 * group-commit writer.
 *
 * @param url              NATS server URL(s), comma-separated, e.g. {@code nats://127.0.0.1:4222} (default empty)
 * @param telemetryStream  the JetStream stream holding telemetry (default {@code FK_TELEMETRY}); created or
 *                         updated at start
 * @param telemetrySubject the subject prefix: messages go to {@code <prefix>.<tenant id>} (default
 *                         {@code telemetry})
 * @param telemetryConsumer the durable pull consumer every node shares (default {@code fk-telemetry-writer})
 * @param streamMaxAge     how long the stream keeps a message that no node has written yet (default 7d); a
 *                         written message leaves the stream at once
 * @param streamMaxBytes   the stream's size limit for messages waiting to be written; when full, new messages are
 *                         refused (503, no PUBACK) rather than old ones dropped (default 1 GiB; -1 unlimited)
 * @param publishTimeout   how long ingest waits for the stream's PubAck before answering 503 (default 2s)
 * @param ackWait          a message a node fetched but did not acknowledge (after its commit) within this is
 *                         delivered again (default 30s)
 */
@ConfigurationProperties("fleetkeeper.nats")
public record NatsProperties(
        @DefaultValue("") String url,
        @DefaultValue("FK_TELEMETRY") String telemetryStream,
        @DefaultValue("telemetry") String telemetrySubject,
        @DefaultValue("fk-telemetry-writer") String telemetryConsumer,
        @DefaultValue("7d") Duration streamMaxAge,
        @DefaultValue("1073741824") long streamMaxBytes,
        @DefaultValue("2s") Duration publishTimeout,
        @DefaultValue("30s") Duration ackWait) {

    public boolean enabled() {
        return url != null && !url.isBlank();
    }
}
