-- OTA campaigns and their per-device actions. Same meaning as ../postgresql/V94__ota_campaigns.sql.
-- A campaign installs one firmware on a set of devices; each device gets one action, whose numeric id is what
-- hawkBit DDI clients see (they echo it back as a JSON number). status: PENDING, DOWNLOADING, INSTALLING,
-- SUCCEEDED, FAILED, CANCELED. A campaign is RUNNING, PAUSED (no action offered) or CANCELED.

CREATE TABLE ota_campaigns (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    id           TEXT    NOT NULL,
    firmware_id  TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, firmware_id) REFERENCES firmware (tenant_id, id)
) WITHOUT ROWID;

CREATE TABLE ota_actions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    TEXT    NOT NULL,
    campaign_id  TEXT    NOT NULL,
    device_id    TEXT    NOT NULL,
    firmware_id  TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    detail       TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES ota_campaigns (tenant_id, id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ota_actions_campaign_device ON ota_actions (tenant_id, campaign_id, device_id);
CREATE INDEX ota_actions_device ON ota_actions (tenant_id, device_id, status);
