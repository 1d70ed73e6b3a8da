-- The firmware catalog. Same meaning as ../postgresql/V91__firmware.sql.
-- A firmware is a (name, version) unique per tenant with the device types it fits (a JSON array of names,
-- empty: any), a description and release notes; revision is its optimistic version (ETag), bumped by every
-- change including artifact uploads and deletes. Artifacts are files by name, their bytes a blob (blobs
-- feature) named by sha256; sizes and digests are copied here so listings need no second read.

CREATE TABLE firmware (
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    id             TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    device_types   TEXT    NOT NULL,
    description    TEXT,
    release_notes  TEXT,
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    revision       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX firmware_name_version ON firmware (tenant_id, name, version);

CREATE TABLE firmware_artifacts (
    tenant_id    TEXT    NOT NULL,
    firmware_id  TEXT    NOT NULL,
    filename     TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    sha1         TEXT    NOT NULL,
    md5          TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, firmware_id, filename),
    FOREIGN KEY (tenant_id, firmware_id) REFERENCES firmware (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
