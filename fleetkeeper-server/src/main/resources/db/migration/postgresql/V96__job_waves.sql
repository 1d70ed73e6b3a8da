-- Staged rollouts of jobs. Same meaning as ../sqlite/V96__job_waves.sql.
-- wave: the index of the wave being rolled out (0 before the first has passed); wave_passed_at: when the current
-- wave reached its success threshold (its soak time counts from there), NULL while it has not.
ALTER TABLE jobs ADD COLUMN wave INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN wave_passed_at BIGINT;
