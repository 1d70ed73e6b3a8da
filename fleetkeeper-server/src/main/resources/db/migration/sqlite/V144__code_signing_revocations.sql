-- Revoked code-signing keys (see V120__code_signing_keys.sql, which this one precedes in number only): a key the
-- operator rotated or revoked, or whose issuing CA stopped being the tenant's default issuing CA, signs nothing
-- more, and its certificate is listed on that CA's CRL and answered revoked by its OCSP responder. One row per
-- revoked key; its serial (lower-case hex, as the certificates table keeps it) is what CRL and OCSP look up.
-- Same meaning as ../postgresql/V116__code_signing_revocations.sql.
CREATE TABLE code_signing_revocations (
    tenant_id  TEXT    NOT NULL,
    key_id     TEXT    NOT NULL,
    ca_id      TEXT    NOT NULL,
    serial     TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    revoked_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key_id)
);
CREATE INDEX code_signing_revocations_ca ON code_signing_revocations (tenant_id, ca_id, serial);
