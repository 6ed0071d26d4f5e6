-- What end users write back (docs/conversations.md): a reply to a message or feedback from the widget opens or
-- continues a conversation; its messages — the user's and a teammate's answers — sit in the user's inbox as one thread.
CREATE TABLE conversations (
    conversation_id text PRIMARY KEY,
    user_id         text        NOT NULL,
    channel         text        NOT NULL,
    -- The message it was opened in reply to; null for feedback.
    answers         text,
    journey         text,
    step            text,
    broadcast       text,
    category        text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX conversations_user ON conversations (user_id);

-- origin: null for the product's own messages (journey, broadcast, incident), 'user' for what the user wrote,
-- 'teammate' for a person's answer. replies: whether the user may answer it (a step's or broadcast's option).
ALTER TABLE inbox_messages
    ADD COLUMN origin text,
    ADD COLUMN conversation_id text,
    ADD COLUMN replies boolean NOT NULL DEFAULT false;
-- The per-user rate limit counts what the user wrote in the last minute.
CREATE INDEX inbox_user_written ON inbox_messages (user_id, created_at) WHERE origin = 'user';
