package io.fleetkeeper.event.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.store.JetStreamPulls;
import io.fleetkeeper.testing.NatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The route consumer reads the delivery log only for messages the stream delivers again: the machine's NATS
 * JetStream decides which those are (skipped, visibly, without it).
 */
class RouteStreamRedeliveryTests {

    @Test
    void aMessageIsRedeliveredOnlyWhenTheStreamDeliversItASecondTime() throws Exception {
        NatsServer.assumeRunning();
        String stream = "FKT_REDELIVER_" + Long.toHexString(System.nanoTime());
        try (Connection nc = Nats.connect(NatsServer.URL)) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name(stream).subjects(stream.toLowerCase() + ".>")
                    .retentionPolicy(RetentionPolicy.WorkQueue).storageType(StorageType.Memory).build());
            try {
                jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable("d").ackPolicy(
                        AckPolicy.Explicit).ackWait(Duration.ofSeconds(30)).build());
                nc.jetStream().publish(NatsMessage.builder().subject(stream.toLowerCase() + ".t.r")
                        .data("{}".getBytes(StandardCharsets.UTF_8)).build());
                JetStreamSubscription sub = nc.jetStream().subscribe(null, PullSubscribeOptions.bind(stream, "d"));

                List<Message> first = JetStreamPulls.next(sub, 10, Duration.ofSeconds(5));
                assertThat(first).hasSize(1);
                assertThat(RouteStream.redelivered(first.getFirst())).isFalse();
                first.getFirst().nak(); // as a consumer that died before its acknowledgement, without the wait

                List<Message> again = JetStreamPulls.next(sub, 10, Duration.ofSeconds(5));
                assertThat(again).hasSize(1);
                assertThat(RouteStream.redelivered(again.getFirst())).isTrue();
                again.getFirst().ack();
            } finally {
                jsm.deleteStream(stream);
            }
        }
    }
}
