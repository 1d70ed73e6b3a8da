-- PKI (issue 3). Same meaning as ../postgresql/V10__pki.sql.

CREATE TABLE certificate_authorities (
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id),
    id               TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    parent_id        TEXT,
    subject          TEXT    NOT NULL,
    key_algorithm    TEXT    NOT NULL,
    certificate_pem  TEXT    NOT NULL,
    encrypted_key    TEXT,
    fingerprint      TEXT    NOT NULL,
    not_before       INTEGER NOT NULL,
    not_after        INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    crl_number       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX certificate_authorities_subject ON certificate_authorities (subject);

CREATE TABLE certificates (
    tenant_id          TEXT    NOT NULL,
    id                 TEXT    NOT NULL,
    device_id          TEXT,
    ca_id              TEXT,
    issuer             TEXT    NOT NULL,
    serial             TEXT    NOT NULL,
    fingerprint        TEXT    NOT NULL,
    subject            TEXT    NOT NULL,
    public_key_sha256  TEXT    NOT NULL,
    pem                TEXT    NOT NULL,
    not_before         INTEGER NOT NULL,
    not_after          INTEGER NOT NULL,
    status             TEXT    NOT NULL,
    revoked_at         INTEGER,
    revocation_reason  TEXT,
    slot               TEXT    NOT NULL,
    slot_version       INTEGER NOT NULL,
    is_primary         INTEGER NOT NULL,
    superseded_at      INTEGER,
    window_state       TEXT    NOT NULL,
    origin             TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, issuer, serial),
    UNIQUE (tenant_id, fingerprint)
);
CREATE INDEX certificates_fingerprint ON certificates (fingerprint);
CREATE INDEX certificates_device ON certificates (tenant_id, device_id, slot, slot_version);
CREATE INDEX certificates_ca_revoked ON certificates (tenant_id, ca_id, status);
CREATE INDEX certificates_expiry ON certificates (not_after, window_state);

CREATE TABLE crls (
    tenant_id    TEXT    NOT NULL,
    ca_id        TEXT    NOT NULL,
    crl_number   INTEGER NOT NULL,
    der          BLOB    NOT NULL,
    this_update  INTEGER NOT NULL,
    next_update  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, ca_id)
);

CREATE TABLE pki_policies (
    tenant_id               TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    renewal_window_days     INTEGER NOT NULL,
    critical_window_days    INTEGER NOT NULL,
    overlap_hours           INTEGER NOT NULL,
    default_ca_id           TEXT,
    device_validity_days    INTEGER NOT NULL,
    version                 INTEGER NOT NULL
);

ALTER TABLE devices ADD COLUMN identity_status TEXT NOT NULL DEFAULT 'NO_IDENTITY';
CREATE INDEX devices_identity ON devices (tenant_id, identity_status, id);

CREATE TABLE leases (
    name        TEXT    NOT NULL PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE platform_secrets (
    name        TEXT    NOT NULL PRIMARY KEY,
    value       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
