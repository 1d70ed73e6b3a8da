package io.fleetkeeper.event;

import io.fleetkeeper.event.internal.AlertNotifier;
import io.fleetkeeper.event.internal.AlertPayloads;
import io.fleetkeeper.event.internal.AlertRepository;
import io.fleetkeeper.event.internal.ChannelRepository;
import io.fleetkeeper.event.internal.Destinations;
import io.fleetkeeper.event.internal.NotificationRepository;
import io.fleetkeeper.event.internal.OncallRepository;
import io.fleetkeeper.pki.Sealer;
import org.springframework.context.ApplicationContext;

/** An alert notifier over the server's queue that a test steps itself, with its own provider URL and SMTP server. */
final class Notifiers {

    private Notifiers() {
    }

    static AlertNotifier of(ApplicationContext ctx, AlertProperties props) {
        return new AlertNotifier(ctx.getBean(NotificationRepository.class), ctx.getBean(ChannelRepository.class),
                ctx.getBean(OncallRepository.class), ctx.getBean(AlertRepository.class),
                ctx.getBean(AlertPayloads.class), ctx.getBean(Destinations.class), ctx.getBean(Sealer.class),
                ctx.getBean(EventProperties.class), props);
    }
}
