-- The retention purge (onramp.engine.retention.conversations) finds conversations by their last activity.
CREATE INDEX conversations_by_activity ON conversations (updated_at);
