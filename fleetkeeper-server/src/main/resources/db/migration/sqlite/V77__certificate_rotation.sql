-- Registry-driven rotation: a tenant may have the lifecycle worker issue a successor when a primary certificate
-- enters its renewal window (auto_rotate, default off). The successor waits in its slot, not primary, until the
-- device confirms it (rotation_state PENDING_CONFIRMATION -> CONFIRMED, or REJECTED, CANCELED, ROLLED_BACK);
-- the certificate it replaces names it (successor_id), so one primary gets at most one automatic successor.
-- With rotation_key SERVER_KEY the successor gets a key the server generates when it delivers it (never stored):
-- until then the primary only records that a rotation was requested (rotation_requested_at).
ALTER TABLE pki_policies ADD COLUMN auto_rotate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pki_policies ADD COLUMN rotation_key TEXT NOT NULL DEFAULT 'SAME_KEY';
ALTER TABLE certificates ADD COLUMN rotation_state TEXT;
ALTER TABLE certificates ADD COLUMN successor_id TEXT;
ALTER TABLE certificates ADD COLUMN delivered_at INTEGER;
ALTER TABLE certificates ADD COLUMN confirmed_at INTEGER;
ALTER TABLE certificates ADD COLUMN rotation_requested_at INTEGER;
