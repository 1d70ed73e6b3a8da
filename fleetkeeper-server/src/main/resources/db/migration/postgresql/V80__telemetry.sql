-- Telemetry. Same meaning as ../sqlite/V80__telemetry.sql; see docs/design/telemetry.md.
-- Narrow rows: one row per metric of an accepted message. Range-partitioned by time (epoch ms) into one
-- partition per UTC day; the partitions are created ahead and dropped for retention by the telemetry
-- maintenance task (under a lease), never here. kind: 'n' number, 'b' boolean (num 0 or 1), 's' string (txt).
-- stream is '' for the default stream. (device_id, msg_id, metric) is unique through telemetry_messages.

CREATE TABLE telemetry (
    tenant_id   UUID             NOT NULL,
    device_id   UUID             NOT NULL,
    ts          BIGINT           NOT NULL,
    msg_id      TEXT             NOT NULL,
    stream      TEXT             NOT NULL,
    metric      TEXT             NOT NULL,
    kind        TEXT             NOT NULL,
    num         DOUBLE PRECISION,
    txt         TEXT
) PARTITION BY RANGE (ts);

-- One device, one metric, a time range (series and downsampling); one device, a time range (raw pages).
CREATE INDEX telemetry_metric_ts ON telemetry (tenant_id, device_id, metric, ts);
CREATE INDEX telemetry_device_ts ON telemetry (tenant_id, device_id, ts);

-- The accepted message ids per device, for de-duplication (kept fleetkeeper.telemetry.dedup-window).
CREATE TABLE telemetry_messages (
    tenant_id    UUID    NOT NULL,
    device_id    UUID    NOT NULL,
    msg_id       TEXT    NOT NULL,
    received_at  BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, device_id, msg_id)
);
CREATE INDEX telemetry_messages_received ON telemetry_messages (received_at);

-- The latest value of every metric per device, maintained on write (an upsert that keeps the newest ts).
CREATE TABLE telemetry_latest (
    tenant_id   UUID             NOT NULL,
    device_id   UUID             NOT NULL,
    stream      TEXT             NOT NULL,
    metric      TEXT             NOT NULL,
    ts          BIGINT           NOT NULL,
    kind        TEXT             NOT NULL,
    num         DOUBLE PRECISION,
    txt         TEXT,
    PRIMARY KEY (tenant_id, device_id, stream, metric)
);
-- Fleet queries on a latest value (telemetry.battery < 20).
CREATE INDEX telemetry_latest_value ON telemetry_latest (tenant_id, metric, stream, num);

-- Per-tenant telemetry settings; a tenant without a row has the defaults.
CREATE TABLE telemetry_settings (
    tenant_id       UUID     NOT NULL PRIMARY KEY REFERENCES tenants (id),
    retention_days  INTEGER  NOT NULL,
    version         BIGINT   NOT NULL,
    updated_at      BIGINT   NOT NULL
);
