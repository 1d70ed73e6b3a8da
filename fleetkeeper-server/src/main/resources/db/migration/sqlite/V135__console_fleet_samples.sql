-- The console dashboard's fleet history. Same meaning as ../postgresql/V135__console_fleet_samples.sql.
-- One row per tenant and sampling interval (at: the interval's start, epoch ms): device counts read from the
-- maintained device statistics. Every node samples; the primary key keeps one row per interval. Rows older than
-- the dashboard's window are deleted by the sampler.

CREATE TABLE console_fleet_samples (
    tenant_id TEXT NOT NULL,
    at        INTEGER NOT NULL,
    total     INTEGER NOT NULL,
    connected INTEGER NOT NULL,
    online    INTEGER NOT NULL,
    stale     INTEGER NOT NULL,
    offline   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, at)
) WITHOUT ROWID;

CREATE INDEX console_fleet_samples_at ON console_fleet_samples (at);
