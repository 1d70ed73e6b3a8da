-- Blobs (firmware artifacts, exports). Same meaning as ../sqlite/V90__blobs.sql.
-- The bytes live in the blob store (a directory or an S3 bucket) under <tenant>/<sha256>; this table holds one
-- row per tenant and SHA-256 with the number of references to it (artifacts, exports). The last reference
-- released removes the row and, after commit, the bytes. blob_usage keeps each tenant's distinct bytes,
-- updated in the writing transaction and checked there against the quota.

CREATE TABLE blobs (
    tenant_id   UUID    NOT NULL REFERENCES tenants (id),
    sha256      TEXT    NOT NULL,
    sha1        TEXT    NOT NULL,
    md5         TEXT    NOT NULL,
    size        BIGINT  NOT NULL,
    refs        INTEGER NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE blob_usage (
    tenant_id   UUID    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    blobs       BIGINT  NOT NULL,
    bytes       BIGINT  NOT NULL
);
