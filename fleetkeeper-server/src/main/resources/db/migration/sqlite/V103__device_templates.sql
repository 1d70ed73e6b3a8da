-- Device templates and the instance model. Same meaning as ../postgresql/V103__device_templates.sql.
-- A template is versioned: each PUT adds a row with the next version, and a device keeps the version it was created
-- from (devices.template_id, template_version) until it is upgraded explicitly. spec is the template's JSON body
-- (metadata defaults and required keys, shadow desired defaults and schemas, sensors, modules, transports).
-- device_sensors, device_transports and device_modules are the per-device instances, owned by the template feature.

CREATE TABLE device_templates (
    tenant_id    TEXT      NOT NULL REFERENCES tenants (id),
    id           TEXT      NOT NULL,
    version      INTEGER      NOT NULL,
    name         TEXT    NOT NULL,
    device_type  TEXT    NOT NULL,
    description  TEXT,
    spec         TEXT    NOT NULL,
    created_by   TEXT,
    created_at   INTEGER      NOT NULL,
    PRIMARY KEY (tenant_id, id, version)
) WITHOUT ROWID;
CREATE INDEX device_templates_name ON device_templates (tenant_id, name, version);

CREATE TABLE device_sensors (
    tenant_id          TEXT      NOT NULL,
    device_id          TEXT      NOT NULL,
    key                TEXT    NOT NULL,
    name               TEXT,
    unit               TEXT,
    data_type          TEXT    NOT NULL,
    min_value          REAL,
    max_value          REAL,
    expected_interval  INTEGER,
    enabled            INTEGER      NOT NULL,
    calibration_offset REAL,
    calibration_scale  REAL,
    from_template      INTEGER      NOT NULL,
    updated_at         INTEGER      NOT NULL,
    version            INTEGER      NOT NULL,
    PRIMARY KEY (tenant_id, device_id, key)
) WITHOUT ROWID;
CREATE INDEX device_sensors_key ON device_sensors (tenant_id, key, device_id);

CREATE TABLE device_transports (
    tenant_id    TEXT      NOT NULL,
    device_id    TEXT      NOT NULL,
    kind         TEXT    NOT NULL,
    settings     TEXT    NOT NULL,
    enabled      INTEGER      NOT NULL,
    updated_at   INTEGER      NOT NULL,
    version      INTEGER      NOT NULL,
    PRIMARY KEY (tenant_id, device_id, kind)
) WITHOUT ROWID;

CREATE TABLE device_modules (
    tenant_id        TEXT      NOT NULL,
    device_id        TEXT      NOT NULL,
    slot             TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    serial           TEXT,
    firmware_version TEXT,
    assigned_at      INTEGER      NOT NULL,
    updated_at       INTEGER      NOT NULL,
    version          INTEGER      NOT NULL,
    PRIMARY KEY (tenant_id, device_id, slot)
) WITHOUT ROWID;

ALTER TABLE devices ADD COLUMN template_id TEXT;
ALTER TABLE devices ADD COLUMN template_version INTEGER;
CREATE INDEX devices_template ON devices (tenant_id, template_id, id);
