package io.fleetkeeper.device;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.audit.AuditService;
import io.fleetkeeper.store.Ids;
import io.fleetkeeper.store.Times;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;

/** Sites: named places a tenant's devices are installed at. */
@Service
public class SiteService {

    /** The writable fields of a site; for updates, null means "leave as is". */
    public record SiteFields(String name, String description, String address) {
    }

    private final JdbcClient jdbc;
    private final AuditService audit;
    private final Clock clock;

    SiteService(JdbcClient jdbc, AuditService audit, Clock clock) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public Site create(Caller caller, SiteFields f) {
        UUID tenantId = caller.tenantId();
        validate(f);
        requireFreeName(tenantId, f.name(), null);
        Instant now = Times.now(clock);
        Site site = new Site(Ids.newId(clock), f.name(), f.description(), f.address(), now, now, 1);
        jdbc.sql("""
                INSERT INTO sites (tenant_id, id, name, description, address, created_at, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(tenantId.toString(), site.id().toString(), site.name(), site.description(), site.address(),
                        now.toEpochMilli(), now.toEpochMilli(), 1)
                .update();
        audit.record(tenantId, caller, "site.create", "site", site.id().toString(), null);
        return site;
    }

    public Site get(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT * FROM sites WHERE tenant_id = ? AND id = ?").params(tenantId.toString(),
                id.toString()).query(SiteService::map).optional().orElseThrow(() -> ApiException.notFound("site"));
    }

    public boolean exists(UUID tenantId, UUID id) {
        return jdbc.sql("SELECT COUNT(*) FROM sites WHERE tenant_id = ? AND id = ?")
                .params(tenantId.toString(), id.toString()).query(Long.class).single() > 0;
    }

    public Page<Site> list(UUID tenantId, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "site-name");
        var rows = jdbc.sql("SELECT * FROM sites WHERE tenant_id = ? AND name > ? ORDER BY name LIMIT ?")
                .params(tenantId.toString(), c == null ? "" : c.key(), limit + 1).query(SiteService::map).list();
        return Page.of(rows, limit, s -> new Cursor("site-name", s.name(), s.id().toString()));
    }

    @Transactional
    public Site update(Caller caller, UUID id, JsonNode patch, Long expectedVersion) {
        UUID tenantId = caller.tenantId();
        MergePatch mp = MergePatch.of(patch, java.util.Set.of("name", "description", "address"));
        Site cur = get(tenantId, id);
        if (expectedVersion != null && expectedVersion != cur.version()) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "site has changed (version " + cur.version() + ")");
        }
        Violations v = new Violations();
        SiteFields merged = new SiteFields(mp.text(v, "name", cur.name()), mp.text(v, "description",
                cur.description()), mp.text(v, "address", cur.address()));
        v.throwIfAny();
        validate(merged);
        requireFreeName(tenantId, merged.name(), id);
        int n = jdbc.sql("""
                UPDATE sites SET name = ?, description = ?, address = ?, updated_at = ?, version = version + 1
                WHERE tenant_id = ? AND id = ? AND version = ?""")
                .params(merged.name(), merged.description(), merged.address(), clock.millis(), tenantId.toString(),
                        id.toString(), cur.version())
                .update();
        if (n != 1) {
            throw new ApiException(ErrorCode.PRECONDITION_FAILED, "site changed concurrently; read it again");
        }
        audit.record(tenantId, caller, "site.update", "site", id.toString(), null);
        return get(tenantId, id);
    }

    @Transactional
    public void delete(Caller caller, UUID id) {
        UUID tenantId = caller.tenantId();
        get(tenantId, id);
        boolean used = jdbc.sql("SELECT COUNT(*) FROM devices WHERE tenant_id = ? AND site_id = ?")
                .params(tenantId.toString(), id.toString()).query(Long.class).single() > 0;
        if (used) {
            throw new ApiException(ErrorCode.IN_USE, "devices are still assigned to this site");
        }
        jdbc.sql("DELETE FROM sites WHERE tenant_id = ? AND id = ?").params(tenantId.toString(), id.toString())
                .update();
        audit.record(tenantId, caller, "site.delete", "site", id.toString(), null);
    }

    private static void validate(SiteFields f) {
        new Violations().required("name", f.name()).maxLength("name", f.name(), 128)
                .maxLength("description", f.description(), 1024).maxLength("address", f.address(), 512)
                .throwIfAny();
    }

    private void requireFreeName(UUID tenantId, String name, UUID except) {
        boolean taken = jdbc.sql("SELECT COUNT(*) FROM sites WHERE tenant_id = ? AND name = ? AND id <> ?")
                .params(tenantId.toString(), name, (except == null ? Ids.NIL : except).toString())
                .query(Long.class).single() > 0;
        if (taken) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "a site named '" + name + "' exists");
        }
    }

    private static Site map(ResultSet rs, int n) throws SQLException {
        return new Site(UUID.fromString(rs.getString("id")), rs.getString("name"), rs.getString("description"),
                rs.getString("address"), Times.instant(rs, "created_at"), Times.instant(rs, "updated_at"),
                rs.getLong("version"));
    }
}
