-- Fleet groups (issue 7). Same meaning as ../sqlite/V30__fleet.sql.
-- Dynamic groups keep a query evaluated at read time (membership is never materialized); static groups
-- keep explicit members. A child's effective filter is its parent's AND its own.

CREATE TABLE fleet_groups (
    tenant_id   UUID    NOT NULL REFERENCES tenants (id),
    id          UUID    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    query       TEXT,
    parent_id   UUID,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    version     BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES fleet_groups (tenant_id, id)
);
CREATE INDEX fleet_groups_parent ON fleet_groups (tenant_id, parent_id);

CREATE TABLE fleet_group_members (
    tenant_id  UUID NOT NULL,
    group_id   UUID NOT NULL,
    device_id  UUID NOT NULL,
    PRIMARY KEY (tenant_id, group_id, device_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES fleet_groups (tenant_id, id)
);
CREATE INDEX fleet_group_members_device ON fleet_group_members (tenant_id, device_id);
