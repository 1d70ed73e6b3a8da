-- OTA campaigns and their per-device actions. Same meaning as ../sqlite/V94__ota_campaigns.sql.
-- A campaign installs one firmware on a set of devices; each device gets one action, whose numeric id is what
-- hawkBit DDI clients see (they echo it back as a JSON number). status: PENDING, DOWNLOADING, INSTALLING,
-- SUCCEEDED, FAILED, CANCELED. A campaign is RUNNING, PAUSED (no action offered) or CANCELED.

CREATE TABLE ota_campaigns (
    tenant_id    UUID    NOT NULL REFERENCES tenants (id),
    id           UUID    NOT NULL,
    firmware_id  UUID    NOT NULL,
    state        TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    version      BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, firmware_id) REFERENCES firmware (tenant_id, id)
);

CREATE TABLE ota_actions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    UUID    NOT NULL,
    campaign_id  UUID    NOT NULL,
    device_id    UUID    NOT NULL,
    firmware_id  UUID    NOT NULL,
    status       TEXT    NOT NULL,
    detail       TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES ota_campaigns (tenant_id, id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ota_actions_campaign_device ON ota_actions (tenant_id, campaign_id, device_id);
CREATE INDEX ota_actions_device ON ota_actions (tenant_id, device_id, status);
