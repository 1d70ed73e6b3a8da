package io.fleetkeeper.secrets;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.device.Device;
import io.fleetkeeper.device.DeviceRetiring;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.device.DeviceStatus;
import io.fleetkeeper.pki.CertificateService;
import io.fleetkeeper.pki.Sealer;
import io.fleetkeeper.secrets.internal.SecretRepository;
import io.fleetkeeper.secrets.internal.SecretRepository.Slot;
import io.fleetkeeper.secrets.internal.SecretRepository.StoredVersion;
import io.fleetkeeper.secrets.internal.SecretValues;
import io.fleetkeeper.secrets.internal.SecretValues.Prepared;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Device secrets besides X.509: named slots of a device holding a TOKEN, an SSH_KEY or an OTHER secret. Each
 * rotation adds a version and supersedes the previous one; values are sealed at rest ({@link Sealer}, bound to
 * tenant, device, slot and version), shown once in the create or rotate answer, and never logged or audited. A
 * device reads the active value of a slot marked {@code device_readable} on the device listener.
 */
@Service
public class DeviceSecretService {

    private static final Pattern SLOT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    private static final int MAX_DESCRIPTION = 500;

    private final SecretRepository repo;
    private final Sealer sealer;
    private final DeviceService devices;
    private final CertificateService certificates;
    private final AuditService audit;
    private final Clock clock;
    private final JsonMapper json;

    DeviceSecretService(SecretRepository repo, Sealer sealer, DeviceService devices,
            CertificateService certificates, AuditService audit, Clock clock, JsonMapper json) {
        this.json = json;
        this.repo = repo;
        this.sealer = sealer;
        this.devices = devices;
        this.certificates = certificates;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public RevealedSecret create(Caller caller, UUID deviceId, NewSecret in) {
        UUID tenantId = caller.tenantId();
        requireWritable(tenantId, deviceId);
        if (in.slot() == null || !SLOT.matcher(in.slot()).matches()) {
            throw SecretValues.invalid("slot", "must be 1-32 of a-z 0-9 _ -, starting with a letter or digit");
        }
        if (in.type() == null) {
            throw SecretValues.invalid("type", "is required: TOKEN, SSH_KEY or OTHER");
        }
        if (in.description() != null && in.description().length() > MAX_DESCRIPTION) {
            throw SecretValues.invalid("description", "must be at most " + MAX_DESCRIPTION + " characters");
        }
        if (certificates.forDevice(tenantId, deviceId).stream().anyMatch(c -> c.slot().equals(in.slot()))
                || in.slot().equals(CertificateService.IDENTITY_SLOT)) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "slot " + in.slot() + " holds certificates");
        }
        Instant now = Times.now(clock);
        Instant expiresAt = SecretValues.expiry(in.expiresAt(), now);
        Prepared value = SecretValues.prepare(in.type(), in.value(), in.generate());
        if (repo.find(tenantId, deviceId, in.slot()).isPresent()) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "slot " + in.slot() + " exists; rotate it instead");
        }
        try {
            repo.insertSlot(tenantId, new Slot(deviceId, in.slot(), in.type(), in.description(),
                    Boolean.TRUE.equals(in.deviceReadable()), 1, 1, 1, now, now));
        } catch (DataIntegrityViolationException raced) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "slot " + in.slot() + " exists; rotate it instead");
        }
        addVersion(caller, deviceId, in.slot(), 1, value, expiresAt, now);
        changed(caller, deviceId, in.slot(), "SECRET-CREATED", "secret.create", 1, value.fingerprint(), in.type());
        return new RevealedSecret(get(tenantId, deviceId, in.slot()), value.shown());
    }

    /** A new version, ACTIVE; the previous active one becomes SUPERSEDED. */
    @Transactional
    public RevealedSecret rotate(Caller caller, UUID deviceId, String slot, SecretRotation in,
            @Nullable Long ifMatch) {
        UUID tenantId = caller.tenantId();
        requireWritable(tenantId, deviceId);
        Slot cur = slot(tenantId, deviceId, slot, ifMatch);
        Instant now = Times.now(clock);
        Instant expiresAt = SecretValues.expiry(in.expiresAt(), now);
        Prepared value = SecretValues.prepare(cur.type(), in.value(), in.generate());
        int next = cur.latestVersion() + 1;
        move(tenantId, cur, next, next, now);
        if (cur.activeVersion() != null) {
            repo.endVersion(tenantId, deviceId, slot, cur.activeVersion(), "SUPERSEDED", now.toEpochMilli());
        }
        addVersion(caller, deviceId, slot, next, value, expiresAt, now);
        changed(caller, deviceId, slot, "SECRET-ROTATED", "secret.rotate", next, value.fingerprint(), cur.type());
        return new RevealedSecret(get(tenantId, deviceId, slot), value.shown());
    }

    /** Revokes the active version: the slot then has none until it is rotated. Revoking twice changes nothing. */
    @Transactional
    public DeviceSecret revoke(Caller caller, UUID deviceId, String slot, @Nullable Long ifMatch) {
        UUID tenantId = caller.tenantId();
        devices.get(tenantId, deviceId);
        Slot cur = slot(tenantId, deviceId, slot, ifMatch);
        if (cur.activeVersion() != null) {
            revokeActive(caller, cur);
        }
        return get(tenantId, deviceId, slot);
    }

    /** Changes the description or whether the device may read the slot; audited, no new version. */
    @Transactional
    public DeviceSecret update(Caller caller, UUID deviceId, String slot, SecretUpdate in, @Nullable Long ifMatch) {
        UUID tenantId = caller.tenantId();
        devices.get(tenantId, deviceId);
        Slot cur = slot(tenantId, deviceId, slot, ifMatch);
        String description = in.description() == null ? cur.description()
                : in.description().isEmpty() ? null : in.description();
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw SecretValues.invalid("description", "must be at most " + MAX_DESCRIPTION + " characters");
        }
        boolean readable = in.deviceReadable() == null ? cur.deviceReadable() : in.deviceReadable();
        if (!repo.updateSettings(tenantId, deviceId, slot, description, readable, cur.version(), clock.millis())) {
            throw new ApiException(ErrorCode.VERSION_CONFLICT, "the slot changed meanwhile; read it and retry");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("slot", slot);
        details.put("device_readable", readable);
        audit.recordDetails(tenantId, caller, "secret.update", "device_secret", deviceId + "/" + slot, details);
        return get(tenantId, deviceId, slot);
    }

    /** Deletes the slot and every version of it. */
    @Transactional
    public void delete(Caller caller, UUID deviceId, String slot, @Nullable Long ifMatch) {
        UUID tenantId = caller.tenantId();
        devices.get(tenantId, deviceId);
        Slot cur = slot(tenantId, deviceId, slot, ifMatch);
        repo.delete(tenantId, deviceId, slot);
        devices.recordEvent(tenantId, deviceId, "SECRET-DELETED", caller.actor(), details(slot, null, null, null));
        audit.record(tenantId, caller, "secret.delete", "device_secret", deviceId + "/" + slot,
                details(slot, cur.type(), null, null));
    }

    public Page<DeviceSecret> list(UUID tenantId, UUID deviceId, @Nullable String cursor, int limit) {
        devices.get(tenantId, deviceId);
        Cursor c = Cursor.decode(cursor, "slot");
        String after = c == null ? null : c.id();
        List<Slot> rows = repo.list(tenantId, deviceId, after, limit + 1);
        Map<String, SecretVersion> latest = repo.latestOfList(tenantId, deviceId, after, limit + 1);
        return Page.of(rows, limit, s -> new Cursor("slot", null, s.slot()))
                .map(s -> view(s, latest.get(s.slot()), null));
    }

    /** The slot's metadata with every version, oldest first; never a value. */
    public DeviceSecret get(UUID tenantId, UUID deviceId, String slot) {
        devices.get(tenantId, deviceId);
        Slot s = slot(tenantId, deviceId, slot, null);
        List<SecretVersion> versions = repo.versions(tenantId, deviceId, slot).stream().map(StoredVersion::meta)
                .toList();
        SecretVersion latest = versions.stream().filter(v -> v.version() == s.latestVersion()).findFirst()
                .orElse(null);
        return view(s, latest, versions);
    }

    /**
     * The device's own active value of a {@code device_readable} slot; 404 when the slot does not exist, is not
     * readable by the device, has no active version, or that version has expired.
     */
    public DeviceReadableSecret readByDevice(UUID tenantId, UUID deviceId, String slot) {
        Slot s = repo.find(tenantId, deviceId, slot).filter(Slot::deviceReadable)
                .filter(x -> x.activeVersion() != null).orElseThrow(() -> ApiException.notFound("secret"));
        StoredVersion v = repo.version(tenantId, deviceId, slot, s.activeVersion())
                .orElseThrow(() -> ApiException.notFound("secret"));
        if (expired(v.meta().expiresAt())) {
            throw ApiException.notFound("secret");
        }
        byte[] plain = sealer.open(v.sealedValue(), boundTo(tenantId, deviceId, slot, s.activeVersion()));
        return new DeviceReadableSecret(slot, s.type(), s.activeVersion(), new String(plain, StandardCharsets.UTF_8),
                v.meta().expiresAt());
    }

    /** A decommissioned device's secrets are revoked; a purged device's are deleted (same transaction). */
    @EventListener
    public void onDeviceRetiring(DeviceRetiring e) {
        for (Slot s : repo.forDevice(e.tenantId(), e.deviceId())) {
            if (e.purged()) {
                repo.delete(e.tenantId(), e.deviceId(), s.slot());
            } else if (s.activeVersion() != null) {
                revokeActive(e.caller(), s);
            }
        }
    }

    private void revokeActive(Caller caller, Slot cur) {
        UUID tenantId = caller.tenantId();
        Instant now = Times.now(clock);
        move(tenantId, cur, null, cur.latestVersion(), now);
        repo.endVersion(tenantId, cur.deviceId(), cur.slot(), cur.activeVersion(), "REVOKED", now.toEpochMilli());
        changed(caller, cur.deviceId(), cur.slot(), "SECRET-REVOKED", "secret.revoke", cur.activeVersion(), null,
                cur.type());
    }

    private void addVersion(Caller caller, UUID deviceId, String slot, int version, Prepared value,
            @Nullable Instant expiresAt, Instant now) {
        UUID tenantId = caller.tenantId();
        String sealed = sealer.seal(value.stored().getBytes(StandardCharsets.UTF_8),
                boundTo(tenantId, deviceId, slot, version));
        repo.insertVersion(tenantId, deviceId, slot, new SecretVersion(version, "ACTIVE", value.fingerprint(),
                value.publicKey(), expiresAt, now, caller.actor(), null), sealed);
    }

    private void move(UUID tenantId, Slot cur, @Nullable Integer active, int latest, Instant now) {
        if (!repo.updateSlot(tenantId, cur.deviceId(), cur.slot(), active, latest, cur.version(), now.toEpochMilli())) {
            throw new ApiException(ErrorCode.VERSION_CONFLICT, "the slot changed meanwhile; read it and retry");
        }
    }

    private void changed(Caller caller, UUID deviceId, String slot, String event, String action, int version,
            @Nullable String fingerprint, SecretType type) {
        UUID tenantId = caller.tenantId();
        devices.recordEvent(tenantId, deviceId, event, caller.actor(), details(slot, null, version, fingerprint));
        audit.record(tenantId, caller, action, "device_secret", deviceId + "/" + slot,
                details(slot, type, version, fingerprint));
    }

    private DeviceSecret view(Slot s, @Nullable SecretVersion shown, @Nullable List<SecretVersion> versions) {
        String status = s.activeVersion() == null ? "REVOKED"
                : shown != null && expired(shown.expiresAt()) ? "EXPIRED" : "ACTIVE";
        DeviceSecret d = new DeviceSecret(s.deviceId(), s.slot(), s.type(), s.description(), s.deviceReadable(),
                status, s.activeVersion(), s.latestVersion(), shown == null ? null : shown.fingerprint(),
                shown == null ? null : shown.publicKey(), shown == null ? null : shown.expiresAt(), s.createdAt(),
                s.updatedAt(), s.version(), null);
        return versions == null ? d : d.withVersions(versions);
    }

    private Slot slot(UUID tenantId, UUID deviceId, String slot, @Nullable Long ifMatch) {
        Slot s = repo.find(tenantId, deviceId, slot).orElseThrow(() -> ApiException.notFound("secret"));
        if (ifMatch != null && ifMatch != s.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "If-Match does not name the slot's current version");
        }
        return s;
    }

    private void requireWritable(UUID tenantId, UUID deviceId) {
        Device d = devices.get(tenantId, deviceId);
        if (d.status() == DeviceStatus.DECOMMISSIONED) {
            throw new ApiException(ErrorCode.CONFLICT, "a decommissioned device gets no secrets");
        }
    }

    private boolean expired(@Nullable Instant expiresAt) {
        return expiresAt != null && !clock.instant().isBefore(expiresAt);
    }

    /** The associated data of a sealed value: a value copied to another row does not open. */
    static String boundTo(UUID tenantId, UUID deviceId, String slot, int version) {
        return "device-secret:" + tenantId + ":" + deviceId + ":" + slot + ":" + version;
    }

    private String details(String slot, @Nullable SecretType type, @Nullable Integer version,
            @Nullable String fingerprint) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("slot", slot);
        if (type != null) {
            d.put("type", type.name());
        }
        if (version != null) {
            d.put("version", version);
        }
        if (fingerprint != null) {
            d.put("fingerprint", fingerprint);
        }
        return json.writeValueAsString(d);
    }
}
