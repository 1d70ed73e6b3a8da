-- Device templates and the instance model. Same meaning as ../sqlite/V103__device_templates.sql.
-- A template is versioned: each PUT adds a row with the next version, and a device keeps the version it was created
-- from (devices.template_id, template_version) until it is upgraded explicitly. spec is the template's JSON body
-- (metadata defaults and required keys, shadow desired defaults and schemas, sensors, modules, transports).
-- device_sensors, device_transports and device_modules are the per-device instances, owned by the template feature.

CREATE TABLE device_templates (
    tenant_id    UUID      NOT NULL REFERENCES tenants (id),
    id           UUID      NOT NULL,
    version      BIGINT      NOT NULL,
    name         TEXT    NOT NULL,
    device_type  TEXT    NOT NULL,
    description  TEXT,
    spec         TEXT    NOT NULL,
    created_by   TEXT,
    created_at   BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, id, version)
);
CREATE INDEX device_templates_name ON device_templates (tenant_id, name, version);

CREATE TABLE device_sensors (
    tenant_id          UUID      NOT NULL,
    device_id          UUID      NOT NULL,
    key                TEXT    NOT NULL,
    name               TEXT,
    unit               TEXT,
    data_type          TEXT    NOT NULL,
    min_value          DOUBLE PRECISION,
    max_value          DOUBLE PRECISION,
    expected_interval  BIGINT,
    enabled            BIGINT      NOT NULL,
    calibration_offset DOUBLE PRECISION,
    calibration_scale  DOUBLE PRECISION,
    from_template      BIGINT      NOT NULL,
    updated_at         BIGINT      NOT NULL,
    version            BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, device_id, key)
);
CREATE INDEX device_sensors_key ON device_sensors (tenant_id, key, device_id);

CREATE TABLE device_transports (
    tenant_id    UUID      NOT NULL,
    device_id    UUID      NOT NULL,
    kind         TEXT    NOT NULL,
    settings     TEXT    NOT NULL,
    enabled      BIGINT      NOT NULL,
    updated_at   BIGINT      NOT NULL,
    version      BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, device_id, kind)
);

CREATE TABLE device_modules (
    tenant_id        UUID      NOT NULL,
    device_id        UUID      NOT NULL,
    slot             TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    serial           TEXT,
    firmware_version TEXT,
    assigned_at      BIGINT      NOT NULL,
    updated_at       BIGINT      NOT NULL,
    version          BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, device_id, slot)
);

ALTER TABLE devices ADD COLUMN template_id UUID;
ALTER TABLE devices ADD COLUMN template_version BIGINT;
CREATE INDEX devices_template ON devices (tenant_id, template_id, id);
