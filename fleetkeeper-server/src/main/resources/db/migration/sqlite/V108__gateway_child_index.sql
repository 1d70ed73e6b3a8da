-- Gateways' children by gateway without the tenant. Same meaning as ../postgresql/V108__gateway_child_index.sql.
-- An external broker's authorization hook knows only the publishing client (the gateway's id) and the topic
-- (fk/<gateway>/children/<child>/...); a device's gateway is always a device of its own tenant, so
-- (parent_device_id, id) answers "is <child> an active child of <gateway>" alone. Partial: only children are in it.

CREATE INDEX devices_child ON devices (parent_device_id, id) WHERE parent_device_id IS NOT NULL;
