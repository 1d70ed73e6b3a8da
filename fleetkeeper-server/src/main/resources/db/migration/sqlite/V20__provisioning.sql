-- Provisioning (issue 4). Same meaning as ../postgresql/V20__provisioning.sql.

CREATE TABLE provisioning_keys (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    id            TEXT    NOT NULL,
    label         TEXT    NOT NULL,
    key_hash      TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    device_type   TEXT,
    expires_at    INTEGER,
    max_devices   INTEGER,
    devices_count INTEGER NOT NULL,
    revoked_at    INTEGER,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE claim_tokens (
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id),
    id                TEXT    NOT NULL,
    label             TEXT    NOT NULL,
    token_hash        TEXT    NOT NULL UNIQUE,
    prefix            TEXT    NOT NULL,
    device_type       TEXT    NOT NULL,
    default_metadata  TEXT    NOT NULL,
    max_uses          INTEGER NOT NULL,
    uses_count        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    revoked_at        INTEGER,
    created_by        TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE device_credentials (
    tenant_id   TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    key_hash    TEXT    NOT NULL UNIQUE,
    prefix      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);

CREATE TABLE device_provenance (
    tenant_id   TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    method      TEXT    NOT NULL,
    source_id   TEXT,
    remote_addr TEXT,
    at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);
CREATE INDEX device_provenance_source ON device_provenance (tenant_id, method, source_id);

CREATE TABLE manifests (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    rows_total  INTEGER NOT NULL,
    rows_added  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE manifest_entries (
    tenant_id    TEXT    NOT NULL,
    serial       TEXT    NOT NULL,
    manifest_id  TEXT    NOT NULL,
    device_type  TEXT    NOT NULL,
    metadata     TEXT    NOT NULL,
    line         INTEGER NOT NULL,
    device_id    TEXT,
    PRIMARY KEY (tenant_id, serial)
);
CREATE INDEX manifest_entries_manifest ON manifest_entries (tenant_id, manifest_id, serial);

CREATE TABLE provisioning_settings (
    tenant_id    TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    rebootstrap  TEXT    NOT NULL,
    version      INTEGER NOT NULL
);
