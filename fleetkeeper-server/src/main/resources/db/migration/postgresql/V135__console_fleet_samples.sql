-- The console dashboard's fleet history. Same meaning as ../sqlite/V135__console_fleet_samples.sql.
-- One row per tenant and sampling interval (at: the interval's start, epoch ms): device counts read from the
-- maintained device statistics. Every node samples; the primary key keeps one row per interval. Rows older than
-- the dashboard's window are deleted by the sampler.

CREATE TABLE console_fleet_samples (
    tenant_id UUID NOT NULL,
    at        BIGINT NOT NULL,
    total     BIGINT NOT NULL,
    connected BIGINT NOT NULL,
    online    BIGINT NOT NULL,
    stale     BIGINT NOT NULL,
    offline   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, at)
);

CREATE INDEX console_fleet_samples_at ON console_fleet_samples (at);
