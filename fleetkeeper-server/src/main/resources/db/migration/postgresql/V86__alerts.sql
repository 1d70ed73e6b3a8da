-- Alerts and notifications. Same meaning as ../sqlite/V86__alerts.sql.
-- Notification channels: Slack, Teams, PagerDuty or a generic webhook; the secret (the webhook URL, or the
-- PagerDuty routing key) is sealed, bound to the channel id, and never returned.
CREATE TABLE notification_channels (
    tenant_id   UUID    NOT NULL REFERENCES tenants (id),
    id          UUID    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- Alert rules: what opens an alert (device_offline after offline_minutes, certificate, job_failed), on which
-- devices (scope, a fleet query), how severe, which channels hear of it, and the prefix of its dedupe key.
CREATE TABLE alert_rules (
    tenant_id       UUID    NOT NULL REFERENCES tenants (id),
    id              UUID    NOT NULL,
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    offline_minutes BIGINT,
    scope           TEXT,
    severity        TEXT    NOT NULL,
    channels        TEXT    NOT NULL,
    dedupe_key      TEXT    NOT NULL,
    enabled         BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX alert_rules_kind ON alert_rules (kind, enabled);

-- Alerts: OPEN, ACKNOWLEDGED, RESOLVED; at most one not resolved per dedupe key.
CREATE TABLE alerts (
    tenant_id       UUID    NOT NULL REFERENCES tenants (id),
    id              UUID    NOT NULL,
    rule_id         UUID    NOT NULL,
    kind            TEXT    NOT NULL,
    dedupe_key      TEXT    NOT NULL,
    device_id       UUID,
    severity        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    summary         TEXT    NOT NULL,
    opened_at       BIGINT NOT NULL,
    acknowledged_at BIGINT,
    resolved_at     BIGINT,
    version         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX alerts_one_open ON alerts (tenant_id, dedupe_key) WHERE status <> 'RESOLVED';
CREATE INDEX alerts_open_kind ON alerts (kind, status) WHERE status <> 'RESOLVED';

-- Each alert's transitions, in order.
CREATE TABLE alert_history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   UUID    NOT NULL,
    alert_id    UUID    NOT NULL,
    status      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX alert_history_alert ON alert_history (tenant_id, alert_id, id);

-- One notification (trigger, acknowledge, resolve) of one alert to one channel: pending with its next attempt,
-- sent, or dead after the retry period.
CREATE TABLE alert_notifications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       UUID    NOT NULL,
    alert_id        UUID    NOT NULL,
    channel_id      UUID    NOT NULL,
    action          TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_error      TEXT
);
CREATE INDEX alert_notifications_pending ON alert_notifications (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX alert_notifications_order ON alert_notifications (alert_id, channel_id, id) WHERE status = 'pending';
CREATE INDEX alert_notifications_alert ON alert_notifications (tenant_id, alert_id, id);
