-- Conversations handed to their destinations (routes.yaml): each message once per destination, retried with back-off
-- until the destination has it or the hand-off is given up, in the order they were written per conversation.
CREATE TABLE handoffs (
    seq             bigserial   UNIQUE,
    message_id      text PRIMARY KEY,
    user_id         text        NOT NULL,
    destination     text        NOT NULL,
    conversation_id text        NOT NULL,
    request         text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending',
    attempts        integer     NOT NULL DEFAULT 0,
    due_at          timestamptz NOT NULL,
    claimed_until   timestamptz,
    detail          text,
    ticket          text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX handoffs_due ON handoffs (due_at) WHERE status = 'pending';
CREATE INDEX handoffs_conversation ON handoffs (destination, conversation_id, seq);
CREATE INDEX handoffs_user ON handoffs (user_id);

-- The help desk's ticket of each conversation: follow-ups become comments on it.
CREATE TABLE handoff_tickets (
    destination     text NOT NULL,
    conversation_id text NOT NULL,
    user_id         text NOT NULL,
    ticket          text NOT NULL,
    PRIMARY KEY (destination, conversation_id)
);
CREATE INDEX handoff_tickets_ticket ON handoff_tickets (destination, ticket);
