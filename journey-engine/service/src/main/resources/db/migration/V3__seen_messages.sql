-- The message ids of the events applied lately, so that a call an SDK sent again (its retry after a timeout, when
-- the first one was in fact accepted) is acknowledged but not applied twice (onramp.engine.dedupe.window). Keyed by
-- user: two users' clients that happen to choose the same id never silence each other.
CREATE TABLE seen_messages (
    user_id    text        NOT NULL,
    message_id text        NOT NULL,
    seen_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, message_id)
);
CREATE INDEX seen_messages_seen_at ON seen_messages (seen_at);
