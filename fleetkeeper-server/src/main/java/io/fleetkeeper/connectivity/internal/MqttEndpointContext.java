package io.fleetkeeper.connectivity.internal;

import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.connectivity.MqttAccess;
import java.time.Clock;
import java.util.concurrent.Executor;

/** What every connection handler shares. {@code blocking} runs store lookups off the event loops. */
record MqttEndpointContext(ConnectivityProperties props, MqttAccess access, SessionRegistry sessions, Clock clock,
        Executor blocking, MqttMetrics metrics) {

    MqttEndpointContext(ConnectivityProperties props, MqttAccess access, SessionRegistry sessions, Clock clock,
            Executor blocking) {
        this(props, access, sessions, clock, blocking, MqttMetrics.none());
    }
}
