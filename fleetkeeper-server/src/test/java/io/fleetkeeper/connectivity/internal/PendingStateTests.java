package io.fleetkeeper.connectivity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.connectivity.ConnectionInfo;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** How one device's events coalesce within a flush window, and how a failed window folds into the next. */
class PendingStateTests {

    static final UUID TENANT = UUID.randomUUID();
    static final UUID DEVICE = UUID.randomUUID();
    static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");

    static ConnectionInfo conn(String id, int sinceSeconds) {
        return new ConnectionInfo(id, TENANT, DEVICE, "n", T0.plusSeconds(sinceSeconds), "a:1", "MQTT 5",
                DEVICE.toString(), 60, "certificate", true);
    }

    static PendingState state() {
        return new PendingState(TENANT, DEVICE);
    }

    @Test
    void theNewestConnectionWinsWhateverTheArrivalOrder() {
        PendingState s = state();
        s.connected(conn("new", 10));
        s.connected(conn("old", 0));
        s.disconnected(conn("old", 0), "taken over", T0.plusSeconds(11));
        assertThat(s.latest.connectionId()).isEqualTo("new");
        assertThat(s.latestOpen).isTrue();
        assertThat(s.reason).isEqualTo("taken over");
        assertThat(s.events).hasSize(3);
    }

    @Test
    void aDisconnectWithoutItsConnectIsKeptAsAConditionalClose() {
        PendingState s = state();
        s.disconnected(conn("a", 0), "keep-alive timeout", T0.plusSeconds(90));
        assertThat(s.latest).isNull();
        assertThat(s.closed.connectionId()).isEqualTo("a");
        assertThat(s.disconnectedAt).isEqualTo(T0.plusSeconds(90));
        s.connected(conn("b", 91));
        assertThat(s.latest.connectionId()).isEqualTo("b");
        assertThat(s.latestOpen).isTrue();
        assertThat(s.reason).as("kept for the row").isEqualTo("keep-alive timeout");
    }

    @Test
    void seenKeepsTheLatestTime() {
        PendingState s = state();
        s.seen(5);
        s.seen(3);
        s.connected(conn("a", 0));
        assertThat(s.lastSeen).isEqualTo(T0.toEpochMilli());
    }

    @Test
    void aFailedWindowFoldsIntoTheNextInOrder() {
        PendingState older = state();
        older.connected(conn("a", 0));
        older.seen(T0.plusSeconds(2).toEpochMilli());
        PendingState newer = state();
        newer.disconnected(conn("a", 0), "client disconnect", T0.plusSeconds(3));
        newer.absorbOlder(older);
        assertThat(newer.latest.connectionId()).isEqualTo("a");
        assertThat(newer.latestOpen).isFalse();
        assertThat(newer.closed).isNull();
        assertThat(newer.reason).isEqualTo("client disconnect");
        assertThat(newer.lastSeen).isEqualTo(T0.plusSeconds(2).toEpochMilli());
        assertThat(newer.events).extracting(PendingState.Change::connect).containsExactly(true, false);

        PendingState reconnect = state();
        reconnect.connected(conn("b", 5));
        reconnect.absorbOlder(newer);
        assertThat(reconnect.latest.connectionId()).isEqualTo("b");
        assertThat(reconnect.latestOpen).isTrue();
        assertThat(reconnect.events).hasSize(3);
    }

    @Test
    void aFlappingDeviceKeepsABoundedHistoryButTheRightState() {
        PendingState s = state();
        for (int i = 0; i < 200; i++) {
            s.connected(conn("c" + i, i));
            s.disconnected(conn("c" + i, i), "connection lost", T0.plusSeconds(i).plusMillis(500));
        }
        s.connected(conn("last", 1000));
        assertThat(s.events).hasSize(PendingState.MAX_EVENTS);
        assertThat(s.droppedEvents).isEqualTo(301);
        assertThat(s.latest.connectionId()).isEqualTo("last");
        assertThat(s.latestOpen).isTrue();
    }
}
