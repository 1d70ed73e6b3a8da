package io.fleetkeeper.ota.internal;

import io.fleetkeeper.ota.Firmware;
import io.fleetkeeper.ota.FirmwareArtifact;
import io.fleetkeeper.store.Times;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The {@code firmware} and {@code firmware_artifacts} tables. */
@Repository
public class FirmwareRepository {

    private static final String COLUMNS = "id, name, version, device_types, description, release_notes, created_by,"
            + " created_at, updated_at, revision";

    private final JdbcClient jdbc;
    private final JsonMapper json;

    FirmwareRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Inserts a firmware without artifacts; false when its name and version are taken in the tenant. */
    public boolean insert(UUID tenantId, Firmware f) {
        return jdbc.sql("INSERT INTO firmware (tenant_id, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING")
                .params(tenantId.toString(), f.id().toString(), f.name(), f.version(),
                        json.writeValueAsString(f.deviceTypes()), f.description(), f.releaseNotes(), f.createdBy(),
                        f.createdAt().toEpochMilli(), f.updatedAt().toEpochMilli(), f.revision())
                .update() == 1;
    }

    /** Whether a campaign names the firmware. */
    public boolean usedByCampaign(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT 1 FROM ota_campaigns WHERE tenant_id = ? AND firmware_id = ? LIMIT 1")
                .params(tenantId.toString(), id.toString()).query(Integer.class).optional().isPresent();
    }

    public Optional<Firmware> find(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM firmware WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(this::row).optional()
                .map(f -> withArtifacts(tenantId, List.of(f)).getFirst());
    }

    /** Firmware in creation order after {@code afterId}, optionally of one name, with their artifacts. */
    public List<Firmware> list(UUID tenantId, String name, UUID afterId, int fetch) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM firmware WHERE tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        if (name != null) {
            sql.append(" AND name = ?");
            params.add(name);
        }
        if (afterId != null) {
            sql.append(" AND id > ?");
            params.add(afterId.toString());
        }
        sql.append(" ORDER BY id LIMIT ?");
        params.add(fetch);
        return withArtifacts(tenantId, jdbc.sql(sql.toString()).params(params).query(this::row).list());
    }

    /** Updates the editable fields if the revision is still {@code revision}; false when it changed. */
    public boolean update(UUID tenantId, UUID id, List<String> deviceTypes, String description, String releaseNotes,
            long revision, long now) {
        return jdbc.sql("UPDATE firmware SET device_types = ?, description = ?, release_notes = ?, updated_at = ?,"
                        + " revision = revision + 1 WHERE tenant_id = ? AND id = ? AND revision = ?")
                .params(json.writeValueAsString(deviceTypes), description, releaseNotes, now, tenantId.toString(),
                        id.toString(), revision)
                .update() == 1;
    }

    /** Bumps the revision (an artifact came or went); false when the firmware is gone. */
    public boolean touch(UUID tenantId, UUID id, long now) {
        return jdbc.sql("UPDATE firmware SET revision = revision + 1, updated_at = ? WHERE tenant_id = ? AND id = ?")
                .params(now, tenantId.toString(), id.toString()).update() == 1;
    }

    /** Deletes the firmware and its artifact rows if the revision is still {@code revision}. */
    public boolean delete(UUID tenantId, UUID id, long revision) {
        int n = jdbc.sql("DELETE FROM firmware WHERE tenant_id = ? AND id = ? AND revision = ?")
                .params(tenantId.toString(), id.toString(), revision).update();
        jdbc.sql("DELETE FROM firmware_artifacts WHERE tenant_id = ? AND firmware_id = ?")
                .params(tenantId.toString(), id.toString()).update();
        return n == 1;
    }

    /** Adds an artifact; false when the firmware already has a file of that name. */
    public boolean insertArtifact(UUID tenantId, UUID firmwareId, FirmwareArtifact a) {
        return jdbc.sql("INSERT INTO firmware_artifacts (tenant_id, firmware_id, filename, sha256, sha1, md5, size,"
                        + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .params(tenantId.toString(), firmwareId.toString(), a.filename(), a.sha256(), a.sha1(), a.md5(),
                        a.size(), a.createdAt().toEpochMilli())
                .update() == 1;
    }

    public Optional<FirmwareArtifact> findArtifact(UUID tenantId, UUID firmwareId, String filename) {
        return jdbc.sql("SELECT filename, sha256, sha1, md5, size, created_at FROM firmware_artifacts"
                        + " WHERE tenant_id = ? AND firmware_id = ? AND filename = ?")
                .params(tenantId.toString(), firmwareId.toString(), filename)
                .query(FirmwareRepository::artifact).optional();
    }

    public boolean deleteArtifact(UUID tenantId, UUID firmwareId, String filename) {
        return jdbc.sql("DELETE FROM firmware_artifacts WHERE tenant_id = ? AND firmware_id = ? AND filename = ?")
                .params(tenantId.toString(), firmwareId.toString(), filename).update() == 1;
    }

    private List<Firmware> withArtifacts(UUID tenantId, List<Firmware> page) {
        if (page.isEmpty()) {
            return page;
        }
        Map<String, List<FirmwareArtifact>> byFirmware = new LinkedHashMap<>();
        page.forEach(f -> byFirmware.put(f.id().toString(), new ArrayList<>()));
        List<Object> params = new ArrayList<>(List.of(tenantId.toString()));
        params.addAll(byFirmware.keySet());
        String marks = String.join(", ", java.util.Collections.nCopies(byFirmware.size(), "?"));
        jdbc.sql("SELECT firmware_id, filename, sha256, sha1, md5, size, created_at FROM firmware_artifacts"
                        + " WHERE tenant_id = ? AND firmware_id IN (" + marks + ") ORDER BY firmware_id, filename")
                .params(params).query((rs, n) -> {
                    byFirmware.get(rs.getString("firmware_id")).add(artifact(rs, n));
                    return null;
                }).list();
        return page.stream().map(f -> new Firmware(f.id(), f.name(), f.version(), f.deviceTypes(), f.description(),
                f.releaseNotes(), List.copyOf(byFirmware.get(f.id().toString())), f.createdBy(), f.createdAt(),
                f.updatedAt(), f.revision())).toList();
    }

    private Firmware row(ResultSet rs, int n) throws SQLException {
        return new Firmware(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getString("version"),
                json.readValue(rs.getString("device_types"), new TypeReference<List<String>>() { }),
                rs.getString("description"), rs.getString("release_notes"), List.of(), rs.getString("created_by"),
                Times.instant(rs, "created_at"), Times.instant(rs, "updated_at"), rs.getLong("revision"));
    }

    private static FirmwareArtifact artifact(ResultSet rs, int n) throws SQLException {
        return new FirmwareArtifact(rs.getString("filename"), rs.getLong("size"), rs.getString("sha256"),
                rs.getString("sha1"), rs.getString("md5"), Times.instant(rs, "created_at"));
    }
}
