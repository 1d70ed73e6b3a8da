-- One-time enrollment codes for devices registered before they have an identity: the device presents the
-- code over EST simpleenroll and receives the certificate of its identity slot. One code per device (a new
-- one replaces it); only the SHA-256 of the code is kept. Same meaning as ../postgresql/V75__enrollment_codes.sql.
CREATE TABLE enrollment_codes (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    device_id   TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    code_hash   TEXT    NOT NULL UNIQUE,
    prefix      TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);
