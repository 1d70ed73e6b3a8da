package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.AlertProperties;
import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.NotificationChannel;
import io.fleetkeeper.event.Notice;
import io.fleetkeeper.pki.Sealer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Sends a {@link Notice} to a channel at once, one attempt: the channel's secret opened, the body in the
 * provider's format ({@link AlertPayloads#notice}), the URL checked against the SSRF rules right before the
 * request, e-mail through the platform's SMTP server. PagerDuty channels take alerts only.
 */
@Component
public class NoticeSender {

    private final ChannelRepository channels;
    private final AlertPayloads payloads;
    private final Destinations destinations;
    private final Sealer vault;
    private final EventProperties events;
    private final AlertProperties props;
    private final Mailer mailer;

    NoticeSender(ChannelRepository channels, AlertPayloads payloads, Destinations destinations, Sealer vault,
            EventProperties events, AlertProperties props) {
        this.channels = channels;
        this.payloads = payloads;
        this.destinations = destinations;
        this.vault = vault;
        this.events = events;
        this.props = props;
        this.mailer = new Mailer(props);
    }

    /** Null when the provider accepted the notice, else why not (never the URL or the addresses). */
    public String send(UUID tenantId, UUID channelId, Notice n) {
        Optional<ChannelRepository.Stored> stored = channels.find(tenantId, channelId);
        if (stored.isEmpty()) {
            return "channel deleted";
        }
        NotificationChannel c = stored.get().channel();
        if (c.kind().equals(NotificationChannel.PAGERDUTY)) {
            return "a pagerduty channel takes alerts only";
        }
        String secret = new String(vault.open(stored.get().sealedSecret(), c.id().toString()),
                StandardCharsets.UTF_8);
        if (c.kind().equals(NotificationChannel.EMAIL)) {
            return mailer.send(secret, tenantId, n);
        }
        String refused = destinations.refusal(secret);
        if (refused != null) {
            return "refused: URL " + refused;
        }
        return ChannelPost.post(secret, payloads.notice(c.kind(), tenantId, n), props.timeout(),
                events.responseLimit());
    }
}
