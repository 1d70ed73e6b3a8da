package io.fleetkeeper.ota.web;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.deviceapi.DeviceCertificate;
import io.fleetkeeper.ota.DeploymentService;
import io.fleetkeeper.ota.OtaAction;
import io.fleetkeeper.ota.OtaProperties;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * hawkBit's Direct Device Integration (DDI) API on the device listener, so that update clients written for
 * hawkBit (SWUpdate's suricatta, RAUC's hawkBit client) poll Fleetkeeper unchanged. The base poll resource tells the
 * client how long to sleep and links its pending deployment; {@link DdiDeploymentController} serves the rest.
 * Authentication and the path's tenant and controller id: {@link DdiAuth}.
 */
@RestController
class DdiController {

    private final DdiAuth auth;
    private final DeploymentService deployments;
    private final OtaProperties props;

    DdiController(DdiAuth auth, DeploymentService deployments, OtaProperties props) {
        this.auth = auth;
        this.deployments = deployments;
        this.props = props;
    }

    /**
     * The base poll resource: {@code config.polling.sleep} and, when the device has an unfinished action of a
     * running campaign, {@code _links.deploymentBase}; {@code _links.cancelAction} instead when the device is
     * asked to cancel it; {@code _links.configData} while the device has not sent its attributes.
     */
    @GetMapping(path = "/{tenant}/controller/v1/{controllerId}", produces = {"application/hal+json",
            "application/json"})
    Map<String, Object> poll(@PathVariable String tenant, @PathVariable String controllerId,
            @RequestHeader(name = "Authorization", required = false) String authorization,
            DeviceCertificate cert) {
        AuthenticatedDevice self = auth.target(tenant, controllerId, authorization, cert);
        String base = DdiLinks.base(tenant, controllerId);
        Map<String, Object> links = new LinkedHashMap<>();
        deployments.next(self.tenantId(), self.deviceId()).ifPresent(a -> {
            if (OtaAction.CANCELING.equals(a.status())) {
                links.put("cancelAction", Map.of("href", base + "/cancelAction/" + a.id()));
            } else {
                links.put("deploymentBase", Map.of("href", base + "/deploymentBase/" + a.id() + "?c="
                        + cacheKey(a.status()).hashCode()));
            }
        });
        if (!deployments.hasAttributes(self.tenantId(), self.deviceId())) {
            links.put("configData", Map.of("href", base + "/configData"));
        }
        return Map.of("config", Map.of("polling", Map.of("sleep", hms(props.ddiPollingSleep()))),
                "_links", links);
    }

    /**
     * What the deployment link's {@code c} parameter is computed from: the status as DDI clients can tell it
     * apart (before the device started, downloaded and installing look the same to them), so that the link stays
     * the same when the device only fetched its deployment.
     */
    private static String cacheKey(String status) {
        return switch (status) {
            case OtaAction.QUEUED, OtaAction.NOTIFIED -> "PENDING";
            case OtaAction.DOWNLOADED -> OtaAction.INSTALLING;
            default -> status;
        };
    }

    /** hawkBit's {@code HH:mm:ss}. */
    static String hms(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
