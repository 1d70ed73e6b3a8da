-- Hourly rollup of telemetry. Same meaning as ../sqlite/V145__telemetry_rollup.sql; see docs/design/telemetry.md.
-- One row per tenant, device, metric, stream and UTC hour (ts: the hour's start, epoch ms), maintained by the
-- writer in the transaction that writes the raw rows (only messages whose id was new, so a message counts once).
-- cnt: rows; num_cnt, num_sum, num_min, num_max: over num (numbers and booleans; strings have none), so
-- avg = num_sum / num_cnt as AVG(num) computes it. first_* and last_*: the row with the smallest (largest)
-- (ts, msg_id), msg_id in binary order ("C") as the series queries order it. Partitioned like telemetry, one
-- partition per UTC day (telemetry_rollup_pYYYYMMDD), made and dropped with telemetry's by the maintenance task.

CREATE TABLE telemetry_rollup (
    tenant_id     UUID             NOT NULL,
    device_id     UUID             NOT NULL,
    metric        TEXT             NOT NULL,
    stream        TEXT             NOT NULL,
    ts            BIGINT           NOT NULL,
    cnt           BIGINT           NOT NULL,
    num_cnt       BIGINT           NOT NULL,
    num_sum       DOUBLE PRECISION,
    num_min       DOUBLE PRECISION,
    num_max       DOUBLE PRECISION,
    first_ts      BIGINT           NOT NULL,
    first_msg_id  TEXT COLLATE "C" NOT NULL,
    first_kind    TEXT             NOT NULL,
    first_num     DOUBLE PRECISION,
    first_txt     TEXT,
    last_ts       BIGINT           NOT NULL,
    last_msg_id   TEXT COLLATE "C" NOT NULL,
    last_kind     TEXT             NOT NULL,
    last_num      DOUBLE PRECISION,
    last_txt      TEXT,
    PRIMARY KEY (tenant_id, device_id, metric, stream, ts)
) PARTITION BY RANGE (ts);

-- A rollup partition for every day telemetry has one.
DO $$
DECLARE
    p RECORD;
    epoch_day BIGINT;
BEGIN
    FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_class t ON t.oid = i.inhparent
             WHERE t.relname = 'telemetry' AND t.relnamespace = current_schema()::regnamespace
               AND c.relname ~ '^telemetry_p[0-9]{8}$'
    LOOP
        epoch_day := (to_date(substr(p.relname, 12), 'YYYYMMDD') - DATE '1970-01-01');
        EXECUTE format('CREATE TABLE %I PARTITION OF telemetry_rollup FOR VALUES FROM (%s) TO (%s)',
                       'telemetry_rollup_p' || substr(p.relname, 12), epoch_day * 86400000, (epoch_day + 1) * 86400000);
    END LOOP;
END $$;

-- Back-fill: the rollup of every stored row, so downsampled series read it for the past as well.
INSERT INTO telemetry_rollup (tenant_id, device_id, metric, stream, ts, cnt, num_cnt, num_sum, num_min, num_max,
        first_ts, first_msg_id, first_kind, first_num, first_txt, last_ts, last_msg_id, last_kind, last_num, last_txt)
SELECT tenant_id, device_id, metric, stream, hour, COUNT(*), COUNT(num), SUM(num), MIN(num), MAX(num),
       MAX(CASE WHEN f = 1 THEN ts END), MAX(CASE WHEN f = 1 THEN msg_id END),
       MAX(CASE WHEN f = 1 THEN kind END), MAX(CASE WHEN f = 1 THEN num END), MAX(CASE WHEN f = 1 THEN txt END),
       MAX(CASE WHEN l = 1 THEN ts END), MAX(CASE WHEN l = 1 THEN msg_id END),
       MAX(CASE WHEN l = 1 THEN kind END), MAX(CASE WHEN l = 1 THEN num END), MAX(CASE WHEN l = 1 THEN txt END)
FROM (SELECT tenant_id, device_id, metric, stream, ts, msg_id COLLATE "C" AS msg_id, kind, num, txt,
             ts / 3600000 * 3600000 AS hour,
             ROW_NUMBER() OVER (PARTITION BY tenant_id, device_id, metric, stream, ts / 3600000
                                ORDER BY ts, msg_id COLLATE "C") AS f,
             ROW_NUMBER() OVER (PARTITION BY tenant_id, device_id, metric, stream, ts / 3600000
                                ORDER BY ts DESC, msg_id COLLATE "C" DESC) AS l
      FROM telemetry) ranked
GROUP BY tenant_id, device_id, metric, stream, hour;
