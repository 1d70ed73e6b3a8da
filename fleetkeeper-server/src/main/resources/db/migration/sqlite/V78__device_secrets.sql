-- Device secrets besides X.509: named slots of a device holding a TOKEN, an SSH_KEY or an OTHER secret, each
-- rotation a new version. Values are sealed (AES-256-GCM under the master key, bound to tenant, device, slot and
-- version); only their fingerprint is readable. Same meaning as ../postgresql/V78__device_secrets.sql.
CREATE TABLE device_secrets (
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id),
    device_id        TEXT    NOT NULL,
    slot             TEXT    NOT NULL,
    type             TEXT    NOT NULL,           -- TOKEN, SSH_KEY, OTHER
    description      TEXT,
    device_readable  INTEGER NOT NULL,           -- the device may fetch the current value on the device listener
    active_version   INTEGER,                    -- null while the slot holds no active version (revoked)
    latest_version   INTEGER NOT NULL,
    version          INTEGER NOT NULL,           -- optimistic concurrency (ETag)
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, slot)
);

CREATE TABLE device_secret_versions (
    tenant_id     TEXT    NOT NULL,
    device_id     TEXT    NOT NULL,
    slot          TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT    NOT NULL,              -- ACTIVE, SUPERSEDED, REVOKED
    sealed_value  TEXT    NOT NULL,
    public_key    TEXT,                          -- SSH_KEY: the OpenSSH public key (not secret)
    fingerprint   TEXT    NOT NULL,
    expires_at    INTEGER,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    ended_at      INTEGER,                       -- when it was superseded or revoked
    PRIMARY KEY (tenant_id, device_id, slot, version),
    FOREIGN KEY (tenant_id, device_id, slot) REFERENCES device_secrets (tenant_id, device_id, slot)
        ON DELETE CASCADE
);
