package io.fleetkeeper.connectivity.web;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fleetkeeper.connectivity.MqttAccess;
import io.fleetkeeper.connectivity.MqttAccess.Decision;
import io.fleetkeeper.connectivity.MqttAccess.Granted;
import io.fleetkeeper.connectivity.MqttAccess.Refused;
import io.fleetkeeper.connectivity.MqttAccess.TopicCheck;
import io.fleetkeeper.connectivity.internal.GatewayRoutes;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The hooks an external MQTT broker (EMQX 5: HTTP authentication and HTTP authorization) calls, in EMQX's
 * request and response format, decided by the same {@link MqttAccess} code as the built-in endpoint.
 * Guarded by {@link InternalAuthFilter}. Answers are always 200 with {@code allow} or {@code deny}: a
 * deny ends EMQX's chain (4xx/5xx would mean "ignore" and let the next authenticator decide). As on the built-in
 * endpoint, a gateway's publication for a child ({@code fk/<gateway>/children/<child>/...}) is allowed only for an
 * active child of that gateway.
 */
@RestController
class BrokerHookController {

    private static final Logger log = LoggerFactory.getLogger(BrokerHookController.class);

    /** EMQX's {@code ${clientid}}, {@code ${username}}, {@code ${password}} and {@code ${cert_pem}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record AuthRequest(String clientid, String username, String password, String certPem) {
    }

    /** EMQX's {@code ${clientid}}, {@code ${username}}, {@code ${topic}} and {@code ${action}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record AclRequest(String clientid, String username, String topic, String action) {
    }

    record AuthResult(String result, boolean isSuperuser) {
    }

    record AclResult(String result) {
    }

    private static final String ALLOW = "allow";
    private static final String DENY = "deny";

    private final MqttAccess access;
    private final GatewayRoutes gateways;

    BrokerHookController(MqttAccess access, GatewayRoutes gateways) {
        this.access = access;
        this.gateways = gateways;
    }

    @PostMapping("/api/v1/internal/mqtt-auth")
    AuthResult authenticate(@RequestBody AuthRequest in) {
        Decision d;
        if (present(in.certPem())) {
            var chain = BrokerCertificates.parse(in.certPem());
            d = chain == null ? new Refused(MqttAccess.Refusal.BAD_CREDENTIALS, "cert_pem is not a certificate")
                    : access.authenticateCertificate(chain, in.clientid(), blankToNull(in.username()));
        } else {
            byte[] password = present(in.password()) ? in.password().getBytes(StandardCharsets.UTF_8) : null;
            d = access.authenticateKey(in.clientid(), blankToNull(in.username()), password);
        }
        if (d instanceof Refused r) {
            // Never the password: the client id and why.
            log.debug("external broker: refused client {}: {} ({})", printable(in.clientid()), r.refusal(),
                    r.detail());
            return new AuthResult(DENY, false);
        }
        return new AuthResult(d instanceof Granted ? ALLOW : DENY, false);
    }

    @PostMapping("/api/v1/internal/mqtt-acl")
    AclResult authorize(@RequestBody AclRequest in) {
        UUID device = deviceId(in.clientid());
        if (device == null || (present(in.username()) && !in.username().equals(in.clientid()))) {
            return new AclResult(DENY);
        }
        TopicCheck check = switch (in.action() == null ? "" : in.action()) {
            case "publish" -> {
                TopicCheck c = access.publish(device, in.topic());
                yield c == TopicCheck.ALLOWED && !gateways.brokerMayPublish(device, in.topic())
                        ? TopicCheck.NOT_AUTHORIZED : c;
            }
            case "subscribe" -> access.subscribe(device, in.topic());
            default -> TopicCheck.NOT_AUTHORIZED;
        };
        return new AclResult(check == TopicCheck.ALLOWED ? ALLOW : DENY);
    }

    private static UUID deviceId(String clientId) {
        if (clientId == null || clientId.length() != 36) {
            return null;
        }
        try {
            UUID id = UUID.fromString(clientId);
            // Only the canonical form: the namespace check compares strings.
            return id.toString().equals(clientId) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean present(String s) {
        return s != null && !s.isEmpty();
    }

    private static String blankToNull(String s) {
        return present(s) ? s : null;
    }

    private static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
