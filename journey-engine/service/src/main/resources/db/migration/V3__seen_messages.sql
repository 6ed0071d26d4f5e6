-- The events applied lately, so that a call an SDK sent again (its retry after a timeout, when the first one was in
-- fact accepted) is acknowledged but not applied twice (onramp.engine.dedupe.window). One row per user and message
-- id: two users' clients that happen to choose the same id never silence each other. The key is a 128-bit digest of
-- both (SeenMessages.idOf) rather than the two texts: a third of the index to write for every event, measured in
-- docs/performance.md. Rows arrive in time order, so a BRIN index finds the old ones for almost nothing.
CREATE TABLE seen_messages (
    id      uuid        PRIMARY KEY,
    seen_at timestamptz NOT NULL
);
CREATE INDEX seen_messages_seen_at ON seen_messages USING brin (seen_at);
