-- A device's icon and its colour as the console shows them, and a fleet group's description (seed 002).
-- All nullable: existing rows have none. Same meaning as ../sqlite/V74__device_icon_group_description.sql.
ALTER TABLE devices ADD COLUMN icon TEXT;
ALTER TABLE devices ADD COLUMN icon_color TEXT;
ALTER TABLE fleet_groups ADD COLUMN description TEXT;
