package io.fleetkeeper.deviceapi.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.DeviceCredentials;
import io.fleetkeeper.credentials.Refusal;
import io.fleetkeeper.credentials.Refusal.Reason;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.cert.X509Certificate;
import org.springframework.stereotype.Component;

/**
 * The device behind a renewal request ({@code simplereenroll}, {@code /device/v1/certificates/renew}): the
 * device its certificate authenticated, or else, when that certificate was refused as expired, the device it
 * still authenticates for a renewal within its tenant's grace ({@link DeviceCredentials#certificateForRenewal}).
 * Otherwise the request is refused as {@link DeviceIdentityResolver} refuses it.
 */
@Component
class RenewingDevice {

    private final DeviceCredentials credentials;

    RenewingDevice(DeviceCredentials credentials) {
        this.credentials = credentials;
    }

    AuthenticatedDevice of(HttpServletRequest request, HttpServletResponse response) {
        if (request.getAttribute(AuthenticatedDevice.ATTRIBUTE) instanceof AuthenticatedDevice device) {
            return device;
        }
        Object rejection = request.getAttribute(DeviceAuthenticationFilter.REJECTION);
        // An expired leaf fails chain validation (UNTRUSTED) before its own validity is checked (NOT_VALID_NOW).
        if (rejection instanceof Refusal r && (r.reason() == Reason.UNTRUSTED || r.reason() == Reason.NOT_VALID_NOW)) {
            var renewal = credentials.certificateForRenewal(
                    (X509Certificate[]) request.getAttribute(DeviceAuthenticationFilter.CLIENT_CERTIFICATES));
            if (renewal instanceof AuthenticatedDevice device) {
                return device;
            }
            rejection = renewal;
        }
        throw DeviceIdentityResolver.refusal(rejection, response);
    }
}
