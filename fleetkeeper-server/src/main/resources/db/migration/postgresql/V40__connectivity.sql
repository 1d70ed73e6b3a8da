-- Device connection state (issue 5). Keep the meaning identical to ../sqlite/V40__connectivity.sql.
-- Owned by the connectivity feature. One row per device that ever connected: its current (or last) connection.
-- Written in coalesced batches by ConnectionStateRecorder, never per MQTT packet.

CREATE TABLE device_connections (
    tenant_id             UUID    NOT NULL,
    device_id             UUID    NOT NULL,
    connected             BOOLEAN NOT NULL,   -- true while the connection below is open
    connection_id         TEXT    NOT NULL,
    node_id               TEXT    NOT NULL,   -- the server process holding (or that held) the connection
    since                 BIGINT  NOT NULL,   -- when that connection was accepted
    remote_address        TEXT,
    protocol              TEXT,
    client_id             TEXT,
    keep_alive            INTEGER,
    authentication        TEXT,
    last_disconnected_at  BIGINT,
    disconnect_reason     TEXT,
    updated_at            BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
);
CREATE INDEX device_connections_connected ON device_connections (tenant_id, connected, device_id);
CREATE INDEX device_connections_node ON device_connections (node_id, connected);

-- Node liveness: each node writes its heartbeat; connections of a node silent too long are marked lost.
CREATE TABLE connectivity_nodes (
    node_id       TEXT    NOT NULL PRIMARY KEY,
    heartbeat_at  BIGINT  NOT NULL
);
