-- Typed metadata: each indexed metadata row says which JSON type its value has, and numbers are also kept as
-- a double so fleet queries compare them numerically. Every row written before this version holds a string.
ALTER TABLE device_metadata ADD COLUMN value_type TEXT NOT NULL DEFAULT 'string';
ALTER TABLE device_metadata ADD COLUMN value_num DOUBLE PRECISION;
CREATE INDEX device_metadata_num ON device_metadata (tenant_id, key, value_num, device_id)
    WHERE value_num IS NOT NULL;

-- The tenant's bootstrap configuration: a JSON document handed to every device it provisions.
CREATE TABLE bootstrap_configurations (
    tenant_id   UUID    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    document    TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
