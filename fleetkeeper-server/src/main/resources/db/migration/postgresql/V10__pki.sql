-- PKI (issue 3). Same meaning as ../sqlite/V10__pki.sql.

CREATE TABLE certificate_authorities (
    tenant_id        UUID    NOT NULL REFERENCES tenants (id),
    id               UUID    NOT NULL,
    name             TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    parent_id        UUID,
    subject          TEXT    NOT NULL,
    key_algorithm    TEXT    NOT NULL,
    certificate_pem  TEXT    NOT NULL,
    encrypted_key    TEXT,
    fingerprint      TEXT    NOT NULL,
    not_before       BIGINT NOT NULL,
    not_after        BIGINT NOT NULL,
    status           TEXT    NOT NULL,
    crl_number       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX certificate_authorities_subject ON certificate_authorities (subject);

CREATE TABLE certificates (
    tenant_id          UUID    NOT NULL,
    id                 UUID    NOT NULL,
    device_id          UUID,
    ca_id              UUID,
    issuer             TEXT    NOT NULL,
    serial             TEXT    NOT NULL,
    fingerprint        TEXT    NOT NULL,
    subject            TEXT    NOT NULL,
    public_key_sha256  TEXT    NOT NULL,
    pem                TEXT    NOT NULL,
    not_before         BIGINT NOT NULL,
    not_after          BIGINT NOT NULL,
    status             TEXT    NOT NULL,
    revoked_at         BIGINT,
    revocation_reason  TEXT,
    slot               TEXT    NOT NULL,
    slot_version       BIGINT NOT NULL,
    is_primary         BOOLEAN NOT NULL,
    superseded_at      BIGINT,
    window_state       TEXT    NOT NULL,
    origin             TEXT    NOT NULL,
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, issuer, serial),
    UNIQUE (tenant_id, fingerprint)
);
CREATE INDEX certificates_fingerprint ON certificates (fingerprint);
CREATE INDEX certificates_device ON certificates (tenant_id, device_id, slot, slot_version);
CREATE INDEX certificates_ca_revoked ON certificates (tenant_id, ca_id, status);
CREATE INDEX certificates_expiry ON certificates (not_after, window_state);

CREATE TABLE crls (
    tenant_id    UUID    NOT NULL,
    ca_id        UUID    NOT NULL,
    crl_number   BIGINT NOT NULL,
    der          BYTEA    NOT NULL,
    this_update  BIGINT NOT NULL,
    next_update  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ca_id)
);

CREATE TABLE pki_policies (
    tenant_id               UUID    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    renewal_window_days     BIGINT NOT NULL,
    critical_window_days    BIGINT NOT NULL,
    overlap_hours           BIGINT NOT NULL,
    default_ca_id           UUID,
    device_validity_days    BIGINT NOT NULL,
    version                 BIGINT NOT NULL
);

ALTER TABLE devices ADD COLUMN identity_status TEXT NOT NULL DEFAULT 'NO_IDENTITY';
CREATE INDEX devices_identity ON devices (tenant_id, identity_status, id);

CREATE TABLE leases (
    name        TEXT    NOT NULL PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE platform_secrets (
    name        TEXT    NOT NULL PRIMARY KEY,
    value       TEXT    NOT NULL,
    created_at  BIGINT NOT NULL
);
