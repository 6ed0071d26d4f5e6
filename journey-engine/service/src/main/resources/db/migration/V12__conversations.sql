-- What users write back (onramp.conversations, docs/conversations.md): each conversation with where it came from and
-- where it stands, and every message in it — the user's, and the answers of teammates (team.yaml).
CREATE TABLE conversations (
    id         text PRIMARY KEY,
    user_id    text        NOT NULL,
    channel    text        NOT NULL,
    -- The message it was opened in reply to, with its journey and step or broadcast; all null for feedback.
    message_id text,
    journey    text,
    step       text,
    broadcast  text,
    category   text,
    -- open until a teammate closes it; the user writing again opens it again.
    status     text        NOT NULL DEFAULT 'open',
    opened_at  timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX conversations_user ON conversations (user_id);
CREATE INDEX conversations_by_status ON conversations (status, updated_at DESC);
CREATE INDEX conversations_by_step ON conversations (journey, step) WHERE journey IS NOT NULL;

CREATE TABLE conversation_messages (
    id              text PRIMARY KEY,
    conversation_id text        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         text        NOT NULL,
    -- 'user' for what the user wrote; a teammate's id for an answer.
    author          text        NOT NULL,
    text            text        NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX conversation_messages_in ON conversation_messages (conversation_id, at);
CREATE INDEX conversation_messages_user ON conversation_messages (user_id);
