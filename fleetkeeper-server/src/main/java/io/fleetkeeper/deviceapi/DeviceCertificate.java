package io.fleetkeeper.deviceapi;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import java.util.function.Supplier;

/**
 * The device a device-listener request's client certificate authenticates, looked up only when asked. A handler
 * parameter of this type lets an endpoint that also takes a device key ({@link DeviceCaller}) skip the certificate
 * entirely when a key is sent: reading the certificate makes the web server build every TLS attribute of the
 * request, which is a measurable part of a small request such as a DDI poll.
 */
public final class DeviceCertificate {

    private final Supplier<AuthenticatedDevice> lookup;

    public DeviceCertificate(Supplier<AuthenticatedDevice> lookup) {
        this.lookup = lookup;
    }

    /** The authenticated device, or null when the request has no client certificate that authenticates one. */
    public AuthenticatedDevice device() {
        return lookup.get();
    }
}
