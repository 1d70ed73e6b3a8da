-- How many days after expiry a device may still renew its expired certificate with it (0: never).
ALTER TABLE pki_policies ADD COLUMN expired_renewal_grace_days INTEGER NOT NULL DEFAULT 0;
