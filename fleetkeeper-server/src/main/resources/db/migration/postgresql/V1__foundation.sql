-- Fleetkeeper foundation schema (PostgreSQL). Keep the meaning identical to ../sqlite/V1__foundation.sql.
-- Times are epoch milliseconds (BIGINT) on both stores, so comparisons and cursors mean the same thing.

CREATE TABLE tenants (
    id          UUID    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    version     BIGINT  NOT NULL
);

CREATE TABLE api_tokens (
    id            UUID    NOT NULL PRIMARY KEY,
    tenant_id     UUID    REFERENCES tenants (id),
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, id);

CREATE TABLE sites (
    tenant_id    UUID    NOT NULL REFERENCES tenants (id),
    id           UUID    NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT,
    address      TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    version      BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE device_types (
    tenant_id          UUID    NOT NULL REFERENCES tenants (id),
    name               TEXT    NOT NULL,
    description        TEXT,
    required_metadata  TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    version            BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE devices (
    tenant_id          UUID    NOT NULL,
    id                 UUID    NOT NULL,
    name               TEXT    NOT NULL,
    device_type        TEXT    NOT NULL,
    serial             TEXT,
    status             TEXT    NOT NULL,
    firmware_version   TEXT,
    hardware_revision  TEXT,
    site_id            UUID,
    tags               TEXT    NOT NULL,
    metadata           TEXT    NOT NULL,
    registered_at      BIGINT  NOT NULL,
    last_seen_at       BIGINT,
    updated_at         BIGINT  NOT NULL,
    version            BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX devices_serial ON devices (tenant_id, serial);
CREATE INDEX devices_status ON devices (tenant_id, status, id);
CREATE INDEX devices_type ON devices (tenant_id, device_type, id);
CREATE INDEX devices_site ON devices (tenant_id, site_id, id);
CREATE INDEX devices_firmware ON devices (tenant_id, firmware_version, id);
CREATE INDEX devices_name ON devices (tenant_id, name, id);
CREATE INDEX devices_last_seen ON devices (tenant_id, last_seen_at);

CREATE TABLE device_metadata (
    tenant_id  UUID NOT NULL,
    device_id  UUID NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, device_id, key)
);
CREATE INDEX device_metadata_kv ON device_metadata (tenant_id, key, value, device_id);

CREATE TABLE device_tags (
    tenant_id  UUID NOT NULL,
    device_id  UUID NOT NULL,
    tag        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, device_id, tag)
);
CREATE INDEX device_tags_tag ON device_tags (tenant_id, tag, device_id);

CREATE TABLE device_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  UUID    NOT NULL,
    device_id  UUID    NOT NULL,
    type       TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    details    TEXT,
    at         BIGINT  NOT NULL
);
CREATE INDEX device_events_device ON device_events (tenant_id, device_id, id);

CREATE TABLE device_stats (
    tenant_id  UUID    NOT NULL,
    dimension  TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    count      BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, dimension, value)
);

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    UUID,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    target_type  TEXT    NOT NULL,
    target_id    TEXT,
    request_id   TEXT,
    details      TEXT,
    at           BIGINT  NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
