package io.fleetkeeper.device;

import java.util.List;

/**
 * A query the device feature wrote for a caller that runs it inside its own statement (job targeting): a
 * {@code SELECT} returning one column, {@code id}, device ids as text UUIDs in ascending order, with its values
 * in {@code params}, bound in order. The caller may embed it as a subquery or CTE and read only {@code id}; it
 * never looks inside the text. Run it with {@code store.AdHocQueries} (never server-prepared on PostgreSQL: its
 * plan depends on its values).
 */
public record DeviceIdQuery(String sql, List<Object> params) {

    public DeviceIdQuery {
        params = List.copyOf(params);
    }
}
