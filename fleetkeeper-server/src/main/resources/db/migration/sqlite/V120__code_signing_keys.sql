-- The server's code-signing keys, one in use per tenant: the key that signs OTA manifests (JWS, ES256), its
-- certificate issued by the tenant's CA with the codeSigning extended key usage, and the CA that issued it. The
-- private key is sealed under the master key (as CA keys are), bound to the row's id. A key is issued on first
-- need and a new one before the certificate expires; the newest one signs. Same meaning as
-- ../postgresql/V120__code_signing_keys.sql.
CREATE TABLE code_signing_keys (
    tenant_id       TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    ca_id           TEXT    NOT NULL,
    certificate_pem TEXT    NOT NULL,
    sealed_key      TEXT    NOT NULL,
    not_after       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX code_signing_keys_newest ON code_signing_keys (tenant_id, created_at);
