-- A broadcast scheduled at a local time (localStartAt) reaches each recipient at that time in their own zone: each
-- has their own due time, and, with a maximum lateness, their own deadline. NULL for broadcasts with one start.
ALTER TABLE broadcast_recipients ADD COLUMN expires_at timestamptz;
