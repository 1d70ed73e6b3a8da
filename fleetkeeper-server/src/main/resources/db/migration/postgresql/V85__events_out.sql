-- Events out. Same meaning as ../sqlite/V85__events_out.sql.
-- The outbox: every domain event, written in the transaction of the change that caused it. id is the order of
-- insertion; seq is given by the relay (one node, a lease) in the order it reads committed rows, so readers
-- that follow seq (NATS forwarding, routes, live streams, Last-Event-ID) never miss a row that committed late.
CREATE TABLE outbox (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    TEXT    NOT NULL UNIQUE,
    tenant_id   UUID    NOT NULL,
    device_id   UUID,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    at          BIGINT NOT NULL,
    seq         BIGINT UNIQUE
);
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE seq IS NULL;
CREATE INDEX outbox_tenant_seq ON outbox (tenant_id, seq);

-- How far each reader of the sequenced outbox has come (the NATS forwarder, the route dispatcher).
CREATE TABLE event_cursors (
    name        TEXT    PRIMARY KEY,
    position    BIGINT NOT NULL
);

-- Message routes: events of some types, on devices a fleet query selects, sent to a webhook (url, secret sealed,
-- headers) or republished to an MQTT broker (url, topic template, qos).
CREATE TABLE routes (
    tenant_id   UUID    NOT NULL REFERENCES tenants (id),
    id          UUID    NOT NULL,
    name        TEXT    NOT NULL,
    sources     TEXT    NOT NULL,
    condition   TEXT,
    type        TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    secret      TEXT,
    headers     TEXT,
    timeout_ms  BIGINT NOT NULL,
    topic       TEXT,
    qos         BIGINT,
    enabled     BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- One event to deliver to one route: pending (with its next attempt), delivered or dead. A delivery is retried
-- for a period from retry_since (its creation, or the replay of the dead letter).
CREATE TABLE route_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       UUID    NOT NULL,
    route_id        UUID    NOT NULL,
    event_id        TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    device_id       UUID,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    retry_since     BIGINT NOT NULL,
    finished_at     BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    last_latency_ms BIGINT
);
CREATE INDEX route_deliveries_pending ON route_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX route_deliveries_route ON route_deliveries (tenant_id, route_id, id);
CREATE INDEX route_deliveries_order ON route_deliveries (route_id, device_id, id) WHERE status = 'pending';
