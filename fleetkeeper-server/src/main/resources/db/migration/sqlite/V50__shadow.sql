-- Device shadows (issue 6). Same meaning as ../postgresql/V50__shadow.sql.
-- One row per (device, shadow name); the classic shadow has the name ''. The row outlives a delete
-- (document NULL) so the version counter is never reused: a re-created shadow continues from it.
-- The document is JSON text: {"state":{"desired":{},"reported":{}},"metadata":{"desired":{},"reported":{}}}.

CREATE TABLE shadows (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    device_id   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    document    TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, name)
) WITHOUT ROWID;

-- The last versions of each shadow (how many: fleetkeeper.shadow.history-size); document NULL = deleted.
CREATE TABLE shadow_history (
    tenant_id   TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    document    TEXT,
    actor       TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, name, version)
) WITHOUT ROWID;

-- Optional JSON Schemas (draft 2020-12) per device type for the desired and reported sections.
CREATE TABLE shadow_schemas (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    device_type  TEXT    NOT NULL,
    desired      TEXT,
    reported     TEXT,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_type)
);
