-- Replies that came by SMS or email (docs/conversations.md): the provider's id of each (Twilio's MessageSid, the
-- email's Message-ID, as a stable id), so that a webhook or inbound route that calls again is taken once, and the
-- per-user rate limit counts them as it counts what users write in the widget. Erased with the user; kept a week.
CREATE TABLE channel_replies (
    id              text PRIMARY KEY,
    user_id         text        NOT NULL,
    channel         text        NOT NULL,
    conversation_id text        NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX channel_replies_user ON channel_replies (user_id, created_at);
