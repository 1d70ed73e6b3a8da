package io.fleetkeeper.ota.web;

import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import org.springframework.web.util.UriUtils;

/** Absolute links of DDI resources, on the scheme, host and port the device called. */
final class DdiLinks {

    private DdiLinks() {
    }

    /** {@code https://host:port/{tenant}/controller/v1/{controllerId}} as the device named them. */
    static String base(String tenant, String controllerId) {
        return ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString() + "/"
                + UriUtils.encodePathSegment(tenant, java.nio.charset.StandardCharsets.UTF_8) + "/controller/v1/"
                + UriUtils.encodePathSegment(controllerId, java.nio.charset.StandardCharsets.UTF_8);
    }
}
