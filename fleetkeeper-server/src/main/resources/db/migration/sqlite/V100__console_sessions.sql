-- Web console sessions, shared by every node. Same meaning as ../postgresql/V100__console_sessions.sql.
-- id_hash is the SHA-256 of the random id the browser's cookie holds (the id itself is never stored).
-- A session signed in with an API token keeps that token sealed (AES-GCM under the platform master key, bound to
-- the row) and resolves it through the tenancy feature on every request, so revocation and suspension end it;
-- an OIDC session keeps the caller the identity provider's token named (tenant, actor, role) until expires_at.
-- last_used_at (written at most once a minute) drives the idle expiry, expires_at the absolute one.

CREATE TABLE console_sessions (
    id_hash      TEXT    NOT NULL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    token_sealed TEXT,
    tenant_id    TEXT,
    actor        TEXT,
    role         TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
