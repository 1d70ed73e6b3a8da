-- Maintained device counts are split over shards (see the PostgreSQL migration). SQLite has one writer, so
-- it keeps a single shard; the column keeps the SQL the same on both stores.
ALTER TABLE device_stats RENAME TO device_stats_unsharded;
CREATE TABLE device_stats (
    tenant_id  TEXT    NOT NULL,
    dimension  TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    shard      INTEGER NOT NULL DEFAULT 0,
    count      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, dimension, value, shard)
) WITHOUT ROWID;
INSERT INTO device_stats (tenant_id, dimension, value, shard, count)
SELECT tenant_id, dimension, value, 0, count FROM device_stats_unsharded;
DROP TABLE device_stats_unsharded;
