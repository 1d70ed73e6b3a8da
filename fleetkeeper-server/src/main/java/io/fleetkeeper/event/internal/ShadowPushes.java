package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.EventTypes;
import io.fleetkeeper.event.OutboxEvent;
import io.fleetkeeper.shadow.ShadowService;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The desired-shadow push, carried by the outbox: for every relayed change of a desired section, the shadow's
 * current delta goes to the device (cursor {@code shadow-push}). At least once: a crash before the cursor moved
 * pushes again, and a device treats a repeated delta like any other.
 */
@Component
class ShadowPushes {

    static final String CURSOR = "shadow-push";
    private static final String UPDATED = EventTypes.PREFIX + "shadow.updated";

    private final OutboxRepository outbox;
    private final ShadowService shadows;
    private final JsonMapper json;

    ShadowPushes(OutboxRepository outbox, ShadowService shadows, JsonMapper json) {
        this.outbox = outbox;
        this.shadows = shadows;
        this.json = json;
    }

    /**
     * Pushes for the next batch; true when it was full. The batch's shadows are read together, and a shadow
     * changed twice in it gets its current delta once.
     */
    boolean push(int batchSize) {
        long cursor = outbox.cursor(CURSOR, outbox::maxSeq);
        List<OutboxEvent> events = outbox.after(cursor, batchSize);
        if (events.isEmpty()) {
            return false;
        }
        Set<ShadowService.Key> changed = new LinkedHashSet<>();
        for (OutboxEvent e : events) {
            if (e.type().equals(UPDATED) && e.deviceId() != null) {
                JsonNode details = json.readTree(e.data()).path("details");
                if (details.path("section").asString("").equals("desired")) {
                    changed.add(new ShadowService.Key(e.tenantId(), e.deviceId(),
                            details.path("shadow").asString("classic")));
                }
            }
        }
        shadows.pushDeltas(changed);
        outbox.advance(CURSOR, events.getLast().seq());
        return events.size() == batchSize;
    }
}
