-- Maintained device counts are split over shards: each transaction adds its deltas to one shard, chosen in
-- turn, and a read sums the shards. Concurrent device changes of one tenant (first certificate issuances,
-- registrations) then rarely wait on the same counter row. Existing counts stay in shard 0.
ALTER TABLE device_stats ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE device_stats DROP CONSTRAINT device_stats_pkey;
ALTER TABLE device_stats ADD PRIMARY KEY (tenant_id, dimension, value, shard);
