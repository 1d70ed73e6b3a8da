-- Carrier SIM integrations. Same meaning as ../postgresql/V105__carrier.sql.
-- An integration is a tenant's account at a carrier (Hologram first): its API key is sealed, bound to the
-- integration id, and never returned. status/last_error/failures/next_sync_at are the sync worker's record.
CREATE TABLE carrier_integrations (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    id            TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    carrier       TEXT    NOT NULL,
    base_url      TEXT    NOT NULL,
    org_id        TEXT,
    api_key       TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    last_error    TEXT,
    failures      INTEGER NOT NULL,
    last_sync_at  INTEGER,
    next_sync_at  INTEGER  NOT NULL,
    created_at    INTEGER  NOT NULL,
    version       INTEGER  NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX carrier_integrations_due ON carrier_integrations (next_sync_at);

-- A device's SIM: which integration serves it, its ICCID (unique per tenant), the carrier's own ids for the
-- device and the SIM's link, the plan, and what the last sync saw.
CREATE TABLE device_sims (
    tenant_id          TEXT    NOT NULL REFERENCES tenants (id),
    device_id          TEXT    NOT NULL,
    integration_id     TEXT    NOT NULL,
    iccid              TEXT    NOT NULL,
    plan               TEXT,
    carrier_device_id  TEXT    NOT NULL,
    carrier_link_id    TEXT,
    sim_status         TEXT    NOT NULL,
    carrier_state      TEXT,
    network_status     TEXT    NOT NULL,
    network_name       TEXT,
    data_used_bytes    INTEGER  NOT NULL,
    linked_at          INTEGER  NOT NULL,
    usage_synced_at    INTEGER,
    info_synced_at     INTEGER,
    version            INTEGER  NOT NULL,
    PRIMARY KEY (tenant_id, device_id),
    UNIQUE (tenant_id, iccid),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES carrier_integrations (tenant_id, id)
);
CREATE INDEX device_sims_integration ON device_sims (tenant_id, integration_id, info_synced_at);
