-- One-time enrollment codes for devices registered before they have an identity: the device presents the
-- code over EST simpleenroll and receives the certificate of its identity slot. One code per device (a new
-- one replaces it); only the SHA-256 of the code is kept. Same meaning as ../sqlite/V75__enrollment_codes.sql.
CREATE TABLE enrollment_codes (
    tenant_id   UUID    NOT NULL REFERENCES tenants (id),
    device_id   UUID    NOT NULL,
    id          UUID    NOT NULL,
    code_hash   TEXT    NOT NULL UNIQUE,
    prefix      TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);
