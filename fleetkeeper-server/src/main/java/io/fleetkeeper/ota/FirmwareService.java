package io.fleetkeeper.ota;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.blobs.Blob;
import io.fleetkeeper.blobs.BlobService;
import io.fleetkeeper.ota.internal.FirmwareRepository;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.tenancy.Role;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The firmware catalog: firmware (name and version, unique in the tenant) and their artifacts, whose bytes are
 * blobs. An upload streams into the blob store outside any transaction; the artifact row, the blob reference
 * (counted against the tenant's quota) and the audit entry are then written in one transaction, and when that
 * fails the stored bytes are discarded. Every change is audited.
 */
@Service
public class FirmwareService {

    private final FirmwareRepository firmware;
    private final BlobService blobs;
    private final AuditService audit;
    private final FirmwareRules rules;
    private final Clock clock;
    private final TransactionTemplate tx;

    FirmwareService(FirmwareRepository firmware, BlobService blobs, AuditService audit, Clock clock,
            PlatformTransactionManager txManager) {
        this.firmware = firmware;
        this.blobs = blobs;
        this.audit = audit;
        this.rules = new FirmwareRules();
        this.clock = clock;
        this.tx = new TransactionTemplate(txManager);
    }

    /** 201 with the new firmware; 409 ALREADY_EXISTS when its name and version are taken. */
    @Transactional
    public Firmware create(Caller caller, NewFirmware in) {
        UUID tenantId = caller.tenantId();
        List<String> types = rules.validate(in);
        Instant now = Times.now(clock);
        Firmware f = new Firmware(Ids.newId(clock), in.name(), in.version(), types, in.description(),
                in.releaseNotes(), List.of(), caller.actor(), now, now, 1);
        if (!firmware.insert(tenantId, f)) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "firmware " + in.name() + " " + in.version()
                    + " already exists");
        }
        audit.recordDetails(tenantId, caller, "firmware.create", "firmware", f.id().toString(),
                Map.of("name", f.name(), "version", f.version()));
        return f;
    }

    public Firmware get(UUID tenantId, UUID id) {
        return firmware.find(tenantId, id).orElseThrow(() -> ApiException.notFound("firmware"));
    }

    /** In creation order, optionally only the versions of {@code name}. */
    public Page<Firmware> list(UUID tenantId, String name, String cursor, int limit) {
        return Page.afterId("firmware", cursor, limit, (after, fetch) -> firmware.list(tenantId, name, after, fetch),
                Firmware::id);
    }

    /**
     * Merge-patches {@code device_types}, {@code description} and {@code release_notes}; name and version are
     * what identifies a firmware and cannot change. 412 when {@code expectedRevision} is stale.
     */
    @Transactional
    public Firmware update(Caller caller, UUID id, JsonNode patch, Long expectedRevision) {
        UUID tenantId = caller.tenantId();
        rules.refuseIdentityChange(patch);
        MergePatch mp = MergePatch.of(patch, java.util.Set.of("device_types", "description", "release_notes"));
        Firmware cur = get(tenantId, id);
        requireRevision(cur, expectedRevision);
        Violations v = new Violations();
        String description = mp.text(v, "description", cur.description());
        String notes = mp.text(v, "release_notes", cur.releaseNotes());
        List<String> types = mp.has("device_types") ? rules.deviceTypes(v, mp.get("device_types"))
                : cur.deviceTypes();
        rules.texts(v, description, notes);
        v.throwIfAny();
        if (!firmware.update(tenantId, id, types, description, notes, cur.revision(), clock.millis())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "firmware changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "firmware.update", "firmware", id.toString(), null);
        return get(tenantId, id);
    }

    /**
     * Deletes a firmware and releases its artifacts' blobs. 412 when {@code expectedRevision} is stale, 409 IN_USE
     * when a campaign names it.
     */
    @Transactional
    public void delete(Caller caller, UUID id, Long expectedRevision) {
        UUID tenantId = caller.tenantId();
        Firmware cur = get(tenantId, id);
        requireRevision(cur, expectedRevision);
        if (firmware.usedByCampaign(tenantId, id)) {
            throw new ApiException(ErrorCode.IN_USE, "a campaign uses this firmware");
        }
        if (!firmware.delete(tenantId, id, cur.revision())) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "firmware changed concurrently; read it again");
        }
        cur.artifacts().forEach(a -> blobs.release(tenantId, a.sha256()));
        audit.recordDetails(tenantId, caller, "firmware.delete", "firmware", id.toString(),
                Map.of("name", cur.name(), "version", cur.version()));
    }

    /**
     * Streams an artifact in and records it: 201 with its size and digests. 404 for another tenant's firmware,
     * 409 ALREADY_EXISTS when the firmware has a file of that name, 400 DIGEST_MISMATCH when
     * {@code expectedSha256} differs, 413 QUOTA_EXCEEDED; nothing is kept on any of them.
     */
    public FirmwareArtifact addArtifact(Caller caller, UUID id, String filename, InputStream body,
            String expectedSha256, long declaredLength) {
        UUID tenantId = caller.tenantId();
        rules.filename(filename);
        Firmware f = get(tenantId, id);
        if (f.artifacts().stream().anyMatch(a -> a.filename().equals(filename))) {
            throw duplicate(filename);
        }
        Blob blob = blobs.store(tenantId, body, expectedSha256, declaredLength);
        FirmwareArtifact artifact = new FirmwareArtifact(filename, blob.size(), blob.sha256(), blob.sha1(),
                blob.md5(), Times.now(clock));
        try {
            tx.executeWithoutResult(s -> {
                if (!firmware.touch(tenantId, id, clock.millis())) {
                    throw ApiException.notFound("firmware");
                }
                if (!firmware.insertArtifact(tenantId, id, artifact)) {
                    throw duplicate(filename);
                }
                blobs.retain(tenantId, blob);
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("filename", filename);
                details.put("size", blob.size());
                details.put("sha256", blob.sha256());
                audit.recordDetails(tenantId, caller, "firmware.artifact.upload", "firmware", id.toString(), details);
            });
        } catch (RuntimeException e) {
            blobs.discard(tenantId, blob);
            throw e;
        }
        return artifact;
    }

    @Transactional
    public void deleteArtifact(Caller caller, UUID id, String filename) {
        UUID tenantId = caller.tenantId();
        FirmwareArtifact a = artifact(tenantId, id, filename);
        if (!firmware.deleteArtifact(tenantId, id, filename)) {
            throw ApiException.notFound("artifact");
        }
        firmware.touch(tenantId, id, clock.millis());
        blobs.release(tenantId, a.sha256());
        audit.recordDetails(tenantId, caller, "firmware.artifact.delete", "firmware", id.toString(),
                Map.of("filename", filename, "sha256", a.sha256()));
    }

    /** The artifact, or 404 (also for another tenant's firmware). */
    public FirmwareArtifact artifact(UUID tenantId, UUID id, String filename) {
        return firmware.findArtifact(tenantId, id, filename).orElseThrow(() -> ApiException.notFound("artifact"));
    }

    /** {@code length} bytes of the artifact from {@code offset}, streamed from the blob store. */
    /** A short-lived URL to the artifact's bytes in the object store; empty with the filesystem store. */
    public java.util.Optional<java.net.URI> presign(UUID tenantId, FirmwareArtifact artifact,
            java.time.Duration ttl) {
        return blobs.presign(tenantId, artifact.sha256(), ttl);
    }

    public InputStream open(UUID tenantId, FirmwareArtifact artifact, long offset, long length) {
        return blobs.open(tenantId, artifact.sha256(), offset, length);
    }

    /** Audits a device starting a download (a request from the first byte; resumed ranges are not audited). */
    @Transactional
    public void recordDeviceDownload(UUID tenantId, UUID deviceId, UUID id, FirmwareArtifact a) {
        audit.recordDetails(tenantId, new Caller(tenantId, "device:" + deviceId, Role.VIEWER),
                "firmware.artifact.download", "firmware", id.toString(),
                Map.of("filename", a.filename(), "sha256", a.sha256(), "device_id", deviceId.toString()));
    }

    private static ApiException duplicate(String filename) {
        return new ApiException(ErrorCode.ALREADY_EXISTS, "the firmware already has an artifact named " + filename
                + "; delete it first");
    }

    private static void requireRevision(Firmware cur, Long expected) {
        if (expected != null && expected != cur.revision()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "firmware has changed (revision " + cur.revision()
                    + ")");
        }
    }
}
