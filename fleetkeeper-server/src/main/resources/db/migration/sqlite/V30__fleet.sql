-- Fleet groups (issue 7). Same meaning as ../postgresql/V30__fleet.sql.
-- Dynamic groups keep a query evaluated at read time (membership is never materialized); static groups
-- keep explicit members. A child's effective filter is its parent's AND its own.

CREATE TABLE fleet_groups (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    query       TEXT,
    parent_id   TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES fleet_groups (tenant_id, id)
);
CREATE INDEX fleet_groups_parent ON fleet_groups (tenant_id, parent_id);

CREATE TABLE fleet_group_members (
    tenant_id  TEXT NOT NULL,
    group_id   TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, device_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES fleet_groups (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX fleet_group_members_device ON fleet_group_members (tenant_id, device_id);
