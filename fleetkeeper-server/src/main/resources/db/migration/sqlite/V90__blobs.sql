-- Blobs (firmware artifacts, exports). Same meaning as ../postgresql/V90__blobs.sql.
-- The bytes live in the blob store (a directory or an S3 bucket) under <tenant>/<sha256>; this table holds one
-- row per tenant and SHA-256 with the number of references to it (artifacts, exports). The last reference
-- released removes the row and, after commit, the bytes. blob_usage keeps each tenant's distinct bytes,
-- updated in the writing transaction and checked there against the quota.

CREATE TABLE blobs (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    sha256      TEXT    NOT NULL,
    sha1        TEXT    NOT NULL,
    md5         TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    refs        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
) WITHOUT ROWID;

CREATE TABLE blob_usage (
    tenant_id   TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    blobs       INTEGER NOT NULL,
    bytes       INTEGER NOT NULL
) WITHOUT ROWID;
