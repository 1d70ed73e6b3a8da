package io.fleetkeeper.deviceapi;

import io.fleetkeeper.deviceapi.DeviceApiProperties.TlsImplementation;

/** The device-facing HTTPS listener, a second Tomcat connector beside the management port. */
public interface DeviceListener {

    /** The port it is bound to; -1 when disabled or not started yet. */
    int port();

    /**
     * Who runs its TLS once started: {@link TlsImplementation#OPENSSL} or {@link TlsImplementation#JSSE}; null when
     * disabled.
     */
    TlsImplementation tlsImplementation();
}
