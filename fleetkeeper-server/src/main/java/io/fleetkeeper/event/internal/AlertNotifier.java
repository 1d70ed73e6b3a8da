package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.Alert;
import io.fleetkeeper.event.AlertProperties;
import io.fleetkeeper.event.EventProperties;
import io.fleetkeeper.event.NotificationChannel;
import io.fleetkeeper.pki.Sealer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;

/**
 * Sends due alert notifications: the channel's secret opened, the body in the provider's format, the URL checked
 * against the SSRF rules right before the request, redirects not followed. A failure is retried after
 * {@code fleetkeeper.events.retry-initial} doubling to {@code retry-max}, half of each delay random, until
 * {@code retry-for} from queueing; then the notification is dead. The error kept never contains the URL. E-mail
 * channels, and the person on call of a schedule, go through the platform's SMTP server ({@link Mailer}); during
 * the schedule's quiet hours a notification of an alert that is not critical to the person on call (by e-mail or
 * through the person's contact channels) is held until they end, and so is one to a channel during the channel's
 * own quiet hours.
 */
@Component
public class AlertNotifier {

    private final NotificationRepository queue;
    private final ChannelRepository channels;
    private final AlertRepository alerts;
    private final AlertPayloads payloads;
    private final Destinations destinations;
    private final Sealer vault;
    private final EventProperties events;
    private final AlertProperties props;
    private final Mailer mailer;
    private final OncallRepository schedules;

    public AlertNotifier(NotificationRepository queue, ChannelRepository channels, OncallRepository schedules,
            AlertRepository alerts, AlertPayloads payloads, Destinations destinations, Sealer vault,
            EventProperties events, AlertProperties props) {
        this.queue = queue;
        this.channels = channels;
        this.schedules = schedules;
        this.alerts = alerts;
        this.payloads = payloads;
        this.destinations = destinations;
        this.vault = vault;
        this.events = events;
        this.props = props;
        this.mailer = new Mailer(props);
    }

    /** Sends what is due at {@code clock}'s now; true when a full batch was due. */
    public boolean step(Clock clock) {
        List<NotificationRepository.Due> due = queue.due(clock.millis(), events.batchSize());
        for (NotificationRepository.Due d : due) {
            Instant quietUntil = quietUntil(d, clock.instant());
            if (quietUntil != null) {
                queue.hold(d.id(), quietUntil.toEpochMilli());
                continue;
            }
            String error = d.recipient() == null ? send(d) : mail(d);
            long now = clock.millis();
            if (error == null) {
                queue.attempted(d.id(), NotificationRepository.SENT, now, null);
            } else if (now >= d.createdAt() + events.retryFor().toMillis()) {
                queue.attempted(d.id(), NotificationRepository.DEAD, now, error);
            } else {
                queue.attempted(d.id(), NotificationRepository.PENDING, now + backoff(d.attempts()), error);
            }
        }
        return due.size() == events.batchSize();
    }

    /**
     * When the quiet hours that hold a notification end: those of the schedule through which it reaches the person
     * on call, else those of its channel; null when none hold it (or the alert is critical).
     */
    private Instant quietUntil(NotificationRepository.Due d, Instant now) {
        Optional<Alert> alert = alerts.find(d.tenantId(), d.alertId());
        if (alert.isEmpty() || alert.get().severity().equals("critical")) {
            return null;
        }
        UUID schedule = d.viaSchedule();
        Instant quiet = schedule == null ? null
                : schedules.find(d.tenantId(), schedule).map(s -> s.quietUntil(now)).orElse(null);
        if (quiet == null && d.recipient() == null) {
            quiet = channels.find(d.tenantId(), d.channelId()).map(c -> c.channel().quietUntil(now)).orElse(null);
        }
        return quiet;
    }

    /** Null when the SMTP server accepted the e-mail to the person on call, else why not. */
    private String mail(NotificationRepository.Due d) {
        Optional<Alert> alert = alerts.find(d.tenantId(), d.alertId());
        return alert.isEmpty() ? "alert deleted"
                : mailer.send(d.recipient(), d.tenantId(), alert.get(), status(d.action()));
    }

    private static String status(String action) {
        return switch (action) {
            case io.fleetkeeper.event.AlertService.ACKNOWLEDGE -> "acknowledged";
            case io.fleetkeeper.event.AlertService.RESOLVE -> "resolved";
            default -> "triggered";
        };
    }

    /** Null when the provider accepted the notification, else why not. */
    private String send(NotificationRepository.Due d) {
        Optional<ChannelRepository.Stored> stored = channels.find(d.tenantId(), d.channelId());
        Optional<Alert> alert = alerts.find(d.tenantId(), d.alertId());
        if (stored.isEmpty() || alert.isEmpty()) {
            return "channel or alert deleted";
        }
        NotificationChannel c = stored.get().channel();
        String secret = new String(vault.open(stored.get().sealedSecret(), c.id().toString()), StandardCharsets.UTF_8);
        if (c.kind().equals(NotificationChannel.EMAIL)) {
            return mailer.send(secret, d.tenantId(), alert.get(), status(d.action()));
        }
        String url = c.kind().equals(NotificationChannel.PAGERDUTY) ? props.pagerdutyUrl() : secret;
        String refused = destinations.refusal(url);
        if (refused != null) {
            return "refused: URL " + refused;
        }
        String body = payloads.body(c.kind(), secret, d.tenantId(), alert.get(), d.action());
        return ChannelPost.post(url, body, props.timeout(), events.responseLimit());
    }

    private long backoff(int attempts) {
        long base = events.retryInitial().toMillis();
        long delay = Math.min(events.retryMax().toMillis(), base << Math.min(attempts, 30));
        return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    }
}
