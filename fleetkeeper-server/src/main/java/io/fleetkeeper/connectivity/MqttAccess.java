package io.fleetkeeper.connectivity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.deviceapi.DeviceAuthenticator;
import io.fleetkeeper.deviceapi.DeviceAuthenticator.Authenticated;
import io.fleetkeeper.deviceapi.DeviceAuthenticator.Rejected;
import io.fleetkeeper.pki.Pem;
import io.fleetkeeper.provisioning.DeviceKeyService;
import io.fleetkeeper.tenancy.Secrets;
import io.fleetkeeper.tenancy.Tenant.TenantStatus;
import io.fleetkeeper.tenancy.TenantService;
import io.fleetkeeper.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Who may connect and which topics they may use: the one decision code behind the built-in MQTT endpoint
 * and the external-broker hooks.
 *
 * <p>Authentication is cached in memory: a certificate fingerprint or device-key hash that authenticated
 * once maps to its device, and the device (with its tenant) is remembered as allowed. A cached, healthy
 * credential is decided without the database. {@link #forget} (called for revocation, suspension,
 * decommissioning, purge and key rotation, on every node) drops the device's entry, which sends every
 * credential of that device back to the store on its next use.
 */
@Component
public class MqttAccess {

    /** {@code certificate} or {@code device_key}. */
    public static final String CERTIFICATE = "certificate";
    public static final String DEVICE_KEY = "device_key";

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

    private record CertEntry(UUID tenantId, UUID deviceId, long notBefore, long notAfter) {
    }

    private record KeyEntry(UUID tenantId, UUID deviceId) {
    }

    private final DeviceAuthenticator certificates;
    private final DeviceKeyService keys;
    private final DeviceService devices;
    private final TenantService tenants;
    private final ConnectivityProperties props;
    private final Clock clock;
    private final Cache<String, CertEntry> byFingerprint;
    private final Cache<String, KeyEntry> byKeyHash;
    /** Devices (with their tenant) last seen allowed to connect; absence sends credentials to the store. */
    private final Cache<UUID, UUID> allowedDevices;
    /** Bumped by every {@link #forget}: a store lookup that raced with one does not fill the cache. */
    private final AtomicLong epoch = new AtomicLong();

    MqttAccess(DeviceAuthenticator certificates, DeviceKeyService keys, DeviceService devices, TenantService tenants,
            ConnectivityProperties props, Clock clock) {
        this.certificates = certificates;
        this.keys = keys;
        this.devices = devices;
        this.tenants = tenants;
        this.props = props;
        this.clock = clock;
        this.byFingerprint = Caffeine.newBuilder().maximumSize(props.credentialCacheSize())
                .expireAfterWrite(props.credentialCacheTtl()).build();
        this.byKeyHash = Caffeine.newBuilder().maximumSize(props.credentialCacheSize())
                .expireAfterWrite(props.credentialCacheTtl()).build();
        this.allowedDevices = Caffeine.newBuilder().maximumSize(props.credentialCacheSize())
                .expireAfterWrite(props.credentialCacheTtl()).build();
    }

    /**
     * Memory only: the decision for a certificate that authenticated before and is still healthy, or null
     * when the store must be asked ({@link #authenticateCertificate}).
     */
    public Decision cachedCertificate(X509Certificate leaf, String clientId, String username) {
        CertEntry e = byFingerprint.getIfPresent(Pem.fingerprint(leaf));
        if (e == null || !e.tenantId().equals(allowedDevices.getIfPresent(e.deviceId()))) {
            return null;
        }
        long now = clock.millis();
        if (now < e.notBefore() || now >= e.notAfter()) {
            return null;
        }
        return named(e.tenantId(), e.deviceId(), CERTIFICATE, clientId, username);
    }

    /**
     * Decides on a client certificate chain (leaf first) already validated by the TLS handshake: the leaf
     * must be a recorded, active certificate of a device that may connect. Reads the store; caches a grant.
     */
    public Decision authenticateCertificate(X509Certificate[] chain, String clientId, String username) {
        Decision cached = chain == null || chain.length == 0 ? null : cachedCertificate(chain[0], clientId, username);
        if (cached != null) {
            return cached;
        }
        long seen = epoch.get();
        return switch (certificates.authenticate(chain)) {
            case Rejected r -> new Refused(r.reason() == DeviceAuthenticator.Reason.NO_CERTIFICATE
                    || r.reason() == DeviceAuthenticator.Reason.UNTRUSTED
                    || r.reason() == DeviceAuthenticator.Reason.UNKNOWN_CERTIFICATE
                    || r.reason() == DeviceAuthenticator.Reason.UNKNOWN_DEVICE
                            ? Refusal.BAD_CREDENTIALS : Refusal.NOT_AUTHORIZED, r.detail());
            case Authenticated a -> {
                Decision d = named(a.identity().tenantId(), a.identity().deviceId(), CERTIFICATE, clientId, username);
                var cert = a.identity().certificate();
                long notAfter = cert.notAfter().toEpochMilli();
                if (cert.supersededAt() != null) {
                    notAfter = Math.min(notAfter, cert.supersededAt().toEpochMilli());
                }
                if (d instanceof Granted && epoch.get() == seen) {
                    byFingerprint.put(cert.fingerprint(), new CertEntry(a.identity().tenantId(),
                            a.identity().deviceId(), cert.notBefore().toEpochMilli(), notAfter));
                    allowedDevices.put(a.identity().deviceId(), a.identity().tenantId());
                }
                yield d;
            }
        };
    }

    /** Memory only: the decision for a device key that authenticated before, or null to ask the store. */
    public Decision cachedKey(String clientId, String username, byte[] password) {
        if (password == null) {
            return new Refused(Refusal.BAD_CREDENTIALS, "neither a client certificate nor a device key was presented");
        }
        KeyEntry e = byKeyHash.getIfPresent(Secrets.sha256(new String(password, StandardCharsets.UTF_8)));
        if (e == null || !e.tenantId().equals(allowedDevices.getIfPresent(e.deviceId()))) {
            return null;
        }
        if (!e.deviceId().toString().equals(username)) {
            // The same answer as the store gives: the key is not the key of the device named.
            return new Refused(Refusal.BAD_CREDENTIALS, "the device key is not valid");
        }
        return named(e.tenantId(), e.deviceId(), DEVICE_KEY, clientId, username);
    }

    /**
     * Decides on username (the device id) and password (the device key), over TLS without a client
     * certificate. Reads the store on a cache miss; caches a grant.
     */
    public Decision authenticateKey(String clientId, String username, byte[] password) {
        Decision cached = cachedKey(clientId, username, password);
        if (cached != null) {
            return cached;
        }
        if (username == null || username.isEmpty()) {
            return new Refused(Refusal.BAD_CREDENTIALS, "a device key needs the device id as username");
        }
        String secret = new String(password, StandardCharsets.UTF_8);
        long seen = epoch.get();
        var found = keys.identify(secret);
        if (found.isEmpty() || !found.get().deviceId().toString().equals(username)) {
            return new Refused(Refusal.BAD_CREDENTIALS, "the device key is not valid");
        }
        var id = found.get();
        Decision d = admit(id.tenantId(), id.deviceId());
        if (d != null) {
            return d;
        }
        d = named(id.tenantId(), id.deviceId(), DEVICE_KEY, clientId, username);
        if (d instanceof Granted && epoch.get() == seen) {
            byKeyHash.put(Secrets.sha256(secret), new KeyEntry(id.tenantId(), id.deviceId()));
            allowedDevices.put(id.deviceId(), id.tenantId());
        }
        return d;
    }

    /** The tenant and device checks the key path needs (the certificate path makes them itself). */
    private Decision admit(UUID tenantId, UUID deviceId) {
        if (tenants.get(tenantId).status() == TenantStatus.SUSPENDED) {
            return new Refused(Refusal.NOT_AUTHORIZED, "the device's tenant is suspended");
        }
        Device device;
        try {
            device = devices.get(tenantId, deviceId);
        } catch (ApiException gone) {
            return new Refused(Refusal.BAD_CREDENTIALS, "the device no longer exists");
        }
        if (device.status() == DeviceStatus.SUSPENDED || device.status() == DeviceStatus.DECOMMISSIONED) {
            return new Refused(Refusal.NOT_AUTHORIZED, "the device is " + device.status().wire());
        }
        if (device.status() == DeviceStatus.PROVISIONING) {
            devices.activateOnFirstContact(tenantId, deviceId, "device:" + deviceId);
        }
        return null;
    }

    private static Decision named(UUID tenantId, UUID deviceId, String method, String clientId, String username) {
        String id = deviceId.toString();
        if (!id.equals(clientId)) {
            return new Refused(Refusal.BAD_CLIENT_ID, "the client id must be the device id");
        }
        if (username != null && !username.isEmpty() && !id.equals(username)) {
            return new Refused(Refusal.BAD_CREDENTIALS, "the username, when given, must be the device id");
        }
        return new Granted(tenantId, deviceId, method);
    }

    /**
     * Drops cached grants of a device, or of every device of a tenant when {@code deviceId} is null, so
     * their next connection is decided by the store.
     */
    public void forget(UUID tenantId, UUID deviceId) {
        epoch.incrementAndGet();
        if (deviceId != null) {
            allowedDevices.invalidate(deviceId);
        } else {
            allowedDevices.asMap().values().removeIf(tenantId::equals);
        }
    }

    /** Drops one cached certificate, so its next use is decided by the store. */
    public void forgetCertificate(String fingerprint) {
        epoch.incrementAndGet();
        byFingerprint.invalidate(fingerprint);
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
