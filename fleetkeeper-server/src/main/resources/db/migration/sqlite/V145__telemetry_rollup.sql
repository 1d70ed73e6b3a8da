-- Hourly rollup of telemetry. Same meaning as ../postgresql/V145__telemetry_rollup.sql (see there and
-- docs/design/telemetry.md), in a plain table (a rowid table: retention deletes it in batches by rowid).

CREATE TABLE telemetry_rollup (
    tenant_id     TEXT     NOT NULL,
    device_id     TEXT     NOT NULL,
    metric        TEXT     NOT NULL,
    stream        TEXT     NOT NULL,
    ts            INTEGER  NOT NULL,
    cnt           INTEGER  NOT NULL,
    num_cnt       INTEGER  NOT NULL,
    num_sum       REAL,
    num_min       REAL,
    num_max       REAL,
    first_ts      INTEGER  NOT NULL,
    first_msg_id  TEXT     NOT NULL,
    first_kind    TEXT     NOT NULL,
    first_num     REAL,
    first_txt     TEXT,
    last_ts       INTEGER  NOT NULL,
    last_msg_id   TEXT     NOT NULL,
    last_kind     TEXT     NOT NULL,
    last_num      REAL,
    last_txt      TEXT,
    PRIMARY KEY (tenant_id, device_id, metric, stream, ts)
);
CREATE INDEX telemetry_rollup_ts ON telemetry_rollup (ts);

-- Back-fill: the rollup of every stored row.
INSERT INTO telemetry_rollup (tenant_id, device_id, metric, stream, ts, cnt, num_cnt, num_sum, num_min, num_max,
        first_ts, first_msg_id, first_kind, first_num, first_txt, last_ts, last_msg_id, last_kind, last_num, last_txt)
SELECT tenant_id, device_id, metric, stream, hour, COUNT(*), COUNT(num), SUM(num), MIN(num), MAX(num),
       MAX(CASE WHEN f = 1 THEN ts END), MAX(CASE WHEN f = 1 THEN msg_id END),
       MAX(CASE WHEN f = 1 THEN kind END), MAX(CASE WHEN f = 1 THEN num END), MAX(CASE WHEN f = 1 THEN txt END),
       MAX(CASE WHEN l = 1 THEN ts END), MAX(CASE WHEN l = 1 THEN msg_id END),
       MAX(CASE WHEN l = 1 THEN kind END), MAX(CASE WHEN l = 1 THEN num END), MAX(CASE WHEN l = 1 THEN txt END)
FROM (SELECT tenant_id, device_id, metric, stream, ts, msg_id, kind, num, txt, ts / 3600000 * 3600000 AS hour,
             ROW_NUMBER() OVER (PARTITION BY tenant_id, device_id, metric, stream, ts / 3600000
                                ORDER BY ts, msg_id) AS f,
             ROW_NUMBER() OVER (PARTITION BY tenant_id, device_id, metric, stream, ts / 3600000
                                ORDER BY ts DESC, msg_id DESC) AS l
      FROM telemetry) ranked
GROUP BY tenant_id, device_id, metric, stream, hour;
