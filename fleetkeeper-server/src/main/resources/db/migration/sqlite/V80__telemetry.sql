-- Telemetry. Same meaning as ../postgresql/V80__telemetry.sql; see docs/design/telemetry.md.
-- Narrow rows: one row per metric of an accepted message, in a plain table (retention deletes in batches).
-- kind: 'n' number, 'b' boolean (num 0 or 1), 's' string (txt). stream is '' for the default stream.

CREATE TABLE telemetry (
    tenant_id   TEXT     NOT NULL,
    device_id   TEXT     NOT NULL,
    ts          INTEGER  NOT NULL,
    msg_id      TEXT     NOT NULL,
    stream      TEXT     NOT NULL,
    metric      TEXT     NOT NULL,
    kind        TEXT     NOT NULL,
    num         REAL,
    txt         TEXT
);

CREATE INDEX telemetry_metric_ts ON telemetry (tenant_id, device_id, metric, ts);
CREATE INDEX telemetry_device_ts ON telemetry (tenant_id, device_id, ts);
CREATE INDEX telemetry_ts ON telemetry (ts);

CREATE TABLE telemetry_messages (
    tenant_id    TEXT     NOT NULL,
    device_id    TEXT     NOT NULL,
    msg_id       TEXT     NOT NULL,
    received_at  INTEGER  NOT NULL,
    PRIMARY KEY (tenant_id, device_id, msg_id)
) WITHOUT ROWID;
CREATE INDEX telemetry_messages_received ON telemetry_messages (received_at);

CREATE TABLE telemetry_latest (
    tenant_id   TEXT     NOT NULL,
    device_id   TEXT     NOT NULL,
    stream      TEXT     NOT NULL,
    metric      TEXT     NOT NULL,
    ts          INTEGER  NOT NULL,
    kind        TEXT     NOT NULL,
    num         REAL,
    txt         TEXT,
    PRIMARY KEY (tenant_id, device_id, stream, metric)
) WITHOUT ROWID;
CREATE INDEX telemetry_latest_value ON telemetry_latest (tenant_id, metric, stream, num);

CREATE TABLE telemetry_settings (
    tenant_id       TEXT     NOT NULL PRIMARY KEY REFERENCES tenants (id),
    retention_days  INTEGER  NOT NULL,
    version         INTEGER  NOT NULL,
    updated_at      INTEGER  NOT NULL
);
