package io.fleetkeeper.blobs.internal;

import io.fleetkeeper.blobs.BlobProperties;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Removes what interrupted uploads left in the store (temporary files, unfinished multipart uploads) once
 * they are older than {@code temp-max-age}: shortly after start, then hourly. Harmless on several nodes.
 */
@Component
class BlobSweeper {

    private static final Logger log = LoggerFactory.getLogger(BlobSweeper.class);

    private final BlobStore store;
    private final BlobProperties props;
    private final Clock clock;

    BlobSweeper(BlobStore store, BlobProperties props, Clock clock) {
        this.store = store;
        this.props = props;
        this.clock = clock;
    }

    @Scheduled(initialDelay = 10, fixedDelay = 3600, timeUnit = TimeUnit.SECONDS)
    void sweep() {
        try {
            int removed = store.sweep(clock.instant().minus(props.tempMaxAge()));
            if (removed > 0) {
                log.info("removed {} left-over temporary blob uploads", removed);
            }
        } catch (Exception e) {
            log.warn("blob sweep failed: {}", e.toString());
        }
    }
}
