package io.fleetkeeper.audit;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.Cursor;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.api.Page;
import io.fleetkeeper.tenancy.Caller;
import io.fleetkeeper.web.RequestIds;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The tenant's audit trail. {@link #record} joins the caller's transaction, so an entry exists exactly
 * when the mutation it describes was committed.
 */
@Service
public class AuditService {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final tools.jackson.databind.json.JsonMapper json;

    AuditService(JdbcClient jdbc, Clock clock, tools.jackson.databind.json.JsonMapper json) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.json = json;
    }

    /** As {@link #record(UUID, Caller, String, String, String, String)}, with details serialized from a map. */
    public void recordDetails(UUID tenantId, Caller caller, String action, String targetType, String targetId,
            java.util.Map<String, ?> details) {
        record(tenantId, caller, action, targetType, targetId, json.writeValueAsString(details));
    }

    public void record(UUID tenantId, Caller caller, String action, String targetType, String targetId,
            String details) {
        jdbc.sql("""
                INSERT INTO audit_log (tenant_id, actor, action, target_type, target_id, request_id, details, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(str(tenantId), caller.actor(), action, targetType, targetId, currentRequestId(), details,
                        clock.millis())
                .update();
    }

    public Page<AuditEntry> list(UUID tenantId, AuditQuery q, String cursor, int limit) {
        Cursor c = Cursor.decode(cursor, "id");
        StringBuilder sql = new StringBuilder("""
                SELECT id, actor, action, target_type, target_id, request_id, details, at
                FROM audit_log WHERE tenant_id = ?""");
        List<Object> params = new ArrayList<>();
        params.add(tenantId.toString());
        if (c != null) {
            sql.append(" AND id < ?");
            params.add(cursorId(c));
        }
        add(sql, params, " AND actor = ?", q.actor());
        add(sql, params, " AND action = ?", q.action());
        add(sql, params, " AND target_type = ?", q.targetType());
        add(sql, params, " AND target_id = ?", q.targetId());
        add(sql, params, " AND at >= ?", q.from() == null ? null : q.from().toEpochMilli());
        add(sql, params, " AND at < ?", q.to() == null ? null : q.to().toEpochMilli());
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(limit + 1);
        List<AuditEntry> rows = jdbc.sql(sql.toString()).params(params)
                .query((rs, n) -> new AuditEntry(rs.getLong("id"), rs.getString("actor"), rs.getString("action"),
                        rs.getString("target_type"), rs.getString("target_id"), rs.getString("request_id"),
                        rs.getString("details"), java.time.Instant.ofEpochMilli(rs.getLong("at"))))
                .list();
        return Page.of(rows, limit, e -> new Cursor("id", null, Long.toString(e.id())));
    }

    /** A cursor of another listing may decode under the same sort name; its id is then no audit id. */
    private static long cursorId(Cursor c) {
        try {
            return Long.parseLong(c.id());
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not valid for this listing and sort");
        }
    }

    private static void add(StringBuilder sql, List<Object> params, String clause, Object value) {
        if (value != null) {
            sql.append(clause);
            params.add(value);
        }
    }

    private static String str(UUID id) {
        return id == null ? null : id.toString();
    }

    private static String currentRequestId() {
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attrs) {
            return RequestIds.current(attrs.getRequest());
        }
        return null;
    }
}
