-- Provisioning (issue 4). Same meaning as ../sqlite/V20__provisioning.sql.

CREATE TABLE provisioning_keys (
    tenant_id     UUID    NOT NULL REFERENCES tenants (id),
    id            UUID    NOT NULL,
    label         TEXT    NOT NULL,
    key_hash      TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    device_type   TEXT,
    expires_at    BIGINT,
    max_devices   BIGINT,
    devices_count BIGINT NOT NULL,
    revoked_at    BIGINT,
    created_by    TEXT    NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE claim_tokens (
    tenant_id         UUID    NOT NULL REFERENCES tenants (id),
    id                UUID    NOT NULL,
    label             TEXT    NOT NULL,
    token_hash        TEXT    NOT NULL UNIQUE,
    prefix            TEXT    NOT NULL,
    device_type       TEXT    NOT NULL,
    default_metadata  TEXT    NOT NULL,
    max_uses          BIGINT NOT NULL,
    uses_count        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    revoked_at        BIGINT,
    created_by        TEXT    NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE device_credentials (
    tenant_id   UUID    NOT NULL,
    device_id   UUID    NOT NULL,
    key_hash    TEXT    NOT NULL UNIQUE,
    prefix      TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);

CREATE TABLE device_provenance (
    tenant_id   UUID    NOT NULL,
    device_id   UUID    NOT NULL,
    method      TEXT    NOT NULL,
    source_id   TEXT,
    remote_addr TEXT,
    at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);
CREATE INDEX device_provenance_source ON device_provenance (tenant_id, method, source_id);

CREATE TABLE manifests (
    tenant_id   UUID    NOT NULL REFERENCES tenants (id),
    id          UUID    NOT NULL,
    name        TEXT    NOT NULL,
    rows_total  BIGINT NOT NULL,
    rows_added  BIGINT NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE manifest_entries (
    tenant_id    UUID    NOT NULL,
    serial       TEXT    NOT NULL,
    manifest_id  UUID    NOT NULL,
    device_type  TEXT    NOT NULL,
    metadata     TEXT    NOT NULL,
    line         BIGINT NOT NULL,
    device_id    UUID,
    PRIMARY KEY (tenant_id, serial)
);
CREATE INDEX manifest_entries_manifest ON manifest_entries (tenant_id, manifest_id, serial);

CREATE TABLE provisioning_settings (
    tenant_id    UUID    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    rebootstrap  TEXT    NOT NULL,
    version      BIGINT NOT NULL
);
