-- Where a conversation went (routes.yaml, decided when it opened): the rule, the owning team, the priority, the
-- assignee, its tags and the destinations it is handed to.
ALTER TABLE conversations
    ADD COLUMN route        text,
    ADD COLUMN team         text,
    ADD COLUMN priority     text,
    ADD COLUMN assignee     text,
    ADD COLUMN tags         text[] NOT NULL DEFAULT '{}',
    ADD COLUMN destinations text[] NOT NULL DEFAULT '{}';
CREATE INDEX conversations_by_team ON conversations (team, status, updated_at DESC);
-- The help desk's ticket of the conversation at each destination it was handed to: {"zendesk": "35436"}.
ALTER TABLE conversations ADD COLUMN tickets jsonb NOT NULL DEFAULT '{}';
