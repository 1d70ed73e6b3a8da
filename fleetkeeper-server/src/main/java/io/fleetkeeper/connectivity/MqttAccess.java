package io.fleetkeeper.connectivity;

import io.fleetkeeper.credentials.AuthenticatedDevice;
import io.fleetkeeper.credentials.DeviceCredentials;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Who may connect and which topics they may use: the one decision code behind the built-in MQTT endpoint
 * and the external-broker hooks. Which device a credential belongs to is the credentials feature's answer
 * ({@link DeviceCredentials}, cached there); this class adds MQTT's rules: the client id is the device id, a
 * user name, when given, is the device id too (and names the device a key is presented for), and each
 * refusal maps to a CONNACK code.
 */
@Component
public class MqttAccess {

    /** {@code certificate} or {@code device_key}. */
    public static final String CERTIFICATE = AuthenticatedDevice.Method.CERTIFICATE.wire();
    public static final String DEVICE_KEY = AuthenticatedDevice.Method.DEVICE_KEY.wire();

    /** Why a connection is refused, mapped to a CONNACK code per MQTT version. */
    public enum Refusal {
        /** The client id is not the device's id (or is not a device id at all). */
        BAD_CLIENT_ID,
        /** No usable credential, or one that does not match any device. */
        BAD_CREDENTIALS,
        /** The credential is known but may not connect: revoked, suspended, decommissioned. */
        NOT_AUTHORIZED
    }

    /** An authentication decision. */
    public sealed interface Decision permits Granted, Refused {
    }

    public record Granted(UUID tenantId, UUID deviceId, String authentication) implements Decision {
    }

    public record Refused(Refusal refusal, String detail) implements Decision {
    }

    /** Whether a topic (publish) or topic filter (subscribe) may be used by a device. */
    public enum TopicCheck {
        ALLOWED,
        /** Well formed but outside the device's namespace, or a {@code $} topic. */
        NOT_AUTHORIZED,
        /** Not a valid topic (name or filter), or over the length or level limits. */
        INVALID,
        /** A {@code $share/} subscription. */
        SHARED_NOT_SUPPORTED
    }

    /** The topic namespace of a device: {@code fk/<deviceId>/}. */
    public static String namespace(UUID deviceId) {
        return "fk/" + deviceId + "/";
    }

    private static final Refused INVALID_KEY = new Refused(Refusal.BAD_CREDENTIALS, "the device key is not valid");

    private final DeviceCredentials credentials;
    private final ConnectivityProperties props;

    MqttAccess(DeviceCredentials credentials, ConnectivityProperties props) {
        this.credentials = credentials;
        this.props = props;
    }

    /**
     * Memory only: the decision for a certificate (by its leaf's SHA-256 fingerprint) that authenticated before and
     * is still healthy, or null when the store must be asked ({@link #authenticateCertificate}).
     */
    public Decision cachedCertificate(String fingerprint, String clientId, String username) {
        AuthenticatedDevice d = credentials.cachedCertificate(fingerprint);
        return d == null ? null : named(d, clientId, username);
    }

    /**
     * Decides on a client certificate chain (leaf first) already validated by the TLS handshake: the leaf
     * must be a recorded, active certificate of a device that may connect.
     */
    public Decision authenticateCertificate(X509Certificate[] chain, String clientId, String username) {
        return authenticateCertificate(chain, io.fleetkeeper.pki.Pem.leafFingerprint(chain), clientId, username);
    }

    /**
     * As {@link #authenticateCertificate(X509Certificate[], String, String)}, with the leaf's SHA-256 fingerprint
     * ({@code chain[0]}'s) already computed by the caller.
     */
    public Decision authenticateCertificate(X509Certificate[] chain, String fingerprint, String clientId,
            String username) {
        return switch (credentials.certificate(chain, fingerprint)) {
            case AuthenticatedDevice d -> named(d, clientId, username);
            case io.fleetkeeper.credentials.Refusal r -> refused(r);
        };
    }

    /** Memory only: the decision for a device key that authenticated before, or null to ask the store. */
    public Decision cachedKey(String clientId, String username, byte[] password) {
        if (password == null) {
            return new Refused(Refusal.BAD_CREDENTIALS, "neither a client certificate nor a device key was presented");
        }
        AuthenticatedDevice d = credentials.cachedKey(new String(password, StandardCharsets.UTF_8));
        return d == null ? null : keyFor(d, clientId, username);
    }

    /**
     * Decides on user name (the device id) and password (the device key), over TLS without a client
     * certificate.
     */
    public Decision authenticateKey(String clientId, String username, byte[] password) {
        if (password == null) {
            return new Refused(Refusal.BAD_CREDENTIALS, "neither a client certificate nor a device key was presented");
        }
        if (username == null || username.isEmpty()) {
            return new Refused(Refusal.BAD_CREDENTIALS, "a device key needs the device id as username");
        }
        return switch (credentials.key(new String(password, StandardCharsets.UTF_8))) {
            case AuthenticatedDevice d -> keyFor(d, clientId, username);
            case io.fleetkeeper.credentials.Refusal r -> refused(r);
        };
    }

    /** A key names its device through the user name: presented under another id, it is simply not valid. */
    private static Decision keyFor(AuthenticatedDevice d, String clientId, String username) {
        return d.deviceId().toString().equals(username) ? named(d, clientId, username) : INVALID_KEY;
    }

    private static Refused refused(io.fleetkeeper.credentials.Refusal r) {
        return new Refused(switch (r.reason()) {
            case NO_CREDENTIAL, UNTRUSTED, UNKNOWN_CERTIFICATE, UNKNOWN_DEVICE, INVALID_KEY -> Refusal.BAD_CREDENTIALS;
            default -> Refusal.NOT_AUTHORIZED;
        }, r.detail());
    }

    private static Decision named(AuthenticatedDevice d, String clientId, String username) {
        String id = d.deviceId().toString();
        if (!id.equals(clientId)) {
            return new Refused(Refusal.BAD_CLIENT_ID, "the client id must be the device id");
        }
        if (username != null && !username.isEmpty() && !id.equals(username)) {
            return new Refused(Refusal.BAD_CREDENTIALS, "the username, when given, must be the device id");
        }
        return new Granted(d.tenantId(), d.deviceId(), d.method().wire());
    }

    /** Whether a device may publish to {@code topic}. */
    public TopicCheck publish(UUID deviceId, String topic) {
        if (topic == null || topic.isEmpty() || topic.length() > props.maxTopicLength()
                || !wellFormed(topic, false)) {
            return TopicCheck.INVALID;
        }
        if (topic.charAt(0) == '$') {
            return TopicCheck.NOT_AUTHORIZED;
        }
        return inNamespace(deviceId, topic) ? TopicCheck.ALLOWED : TopicCheck.NOT_AUTHORIZED;
    }

    /** Whether a device may subscribe to {@code filter}. */
    public TopicCheck subscribe(UUID deviceId, String filter) {
        if (filter == null || filter.isEmpty() || filter.length() > props.maxTopicLength()) {
            return TopicCheck.INVALID;
        }
        if (filter.startsWith("$share/")) {
            return TopicCheck.SHARED_NOT_SUPPORTED;
        }
        if (!wellFormed(filter, true)) {
            return TopicCheck.INVALID;
        }
        if (filter.charAt(0) == '$') {
            return TopicCheck.NOT_AUTHORIZED;
        }
        return inNamespace(deviceId, filter) ? TopicCheck.ALLOWED : TopicCheck.NOT_AUTHORIZED;
    }

    private static boolean inNamespace(UUID deviceId, String topic) {
        String ns = namespace(deviceId);
        // The namespace's own levels are literal, so no wildcard can reach another device.
        return topic.length() > ns.length() && topic.startsWith(ns);
    }

    /** MQTT's topic rules in one linear pass: wildcards only in filters and alone in their level. */
    private boolean wellFormed(String topic, boolean filter) {
        int levels = 1;
        int n = topic.length();
        for (int i = 0; i < n; i++) {
            char c = topic.charAt(i);
            if (c == '/') {
                if (++levels > props.maxTopicLevels()) {
                    return false;
                }
            } else if (c == '+' || c == '#') {
                if (!filter) {
                    return false;
                }
                boolean alone = (i == 0 || topic.charAt(i - 1) == '/') && (i == n - 1 || topic.charAt(i + 1) == '/');
                if (!alone || (c == '#' && i != n - 1)) {
                    return false;
                }
            } else if (c == '\u0000' || c == '\uFFFD' || Character.isSurrogate(c) && !validSurrogate(topic, i)) {
                // U+FFFD is what the decoder leaves for malformed UTF-8; U+0000 is forbidden by MQTT.
                return false;
            }
        }
        return true;
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
