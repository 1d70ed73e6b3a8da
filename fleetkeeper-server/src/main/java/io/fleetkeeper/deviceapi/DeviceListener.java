package io.fleetkeeper.deviceapi;

/** The device-facing HTTPS listener, a second Tomcat connector beside the management port. */
public interface DeviceListener {

    /** The port it is bound to; -1 when disabled or not started yet. */
    int port();
}
