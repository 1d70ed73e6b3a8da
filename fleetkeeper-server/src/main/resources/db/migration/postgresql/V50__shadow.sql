-- Device shadows (issue 6). Same meaning as ../sqlite/V50__shadow.sql.
-- One row per (device, shadow name); the classic shadow has the name ''. The row outlives a delete
-- (document NULL) so the version counter is never reused: a re-created shadow continues from it.
-- The document is JSON text: {"state":{"desired":{},"reported":{}},"metadata":{"desired":{},"reported":{}}}.

CREATE TABLE shadows (
    tenant_id   UUID    NOT NULL REFERENCES tenants (id),
    device_id   UUID    NOT NULL,
    name        TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    document    TEXT,
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, device_id, name)
);

-- The last versions of each shadow (how many: fleetkeeper.shadow.history-size); document NULL = deleted.
CREATE TABLE shadow_history (
    tenant_id   UUID    NOT NULL,
    device_id   UUID    NOT NULL,
    name        TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    document    TEXT,
    actor       TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, device_id, name, version)
);

-- Optional JSON Schemas (draft 2020-12) per device type for the desired and reported sections.
CREATE TABLE shadow_schemas (
    tenant_id    UUID    NOT NULL REFERENCES tenants (id),
    device_type  TEXT    NOT NULL,
    desired      TEXT,
    reported     TEXT,
    updated_at   BIGINT  NOT NULL,
    version      BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, device_type)
);
