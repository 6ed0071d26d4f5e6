-- The recipients of a broadcast that ended long ago are deleted (onramp.engine.retention.broadcast-recipients); its
-- counts are kept on its row as they were then, so its page and GET /v1/broadcasts/{id} still add up.
ALTER TABLE broadcasts ADD COLUMN final_counts jsonb;
ALTER TABLE broadcasts ADD COLUMN recipients_purged_at timestamptz;
CREATE INDEX broadcasts_to_purge ON broadcasts (finished_at) WHERE recipients_purged_at IS NULL;
