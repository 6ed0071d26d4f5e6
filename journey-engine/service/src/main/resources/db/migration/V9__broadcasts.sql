-- Broadcasts (docs/broadcasts.md): one message for many users. The row holds the request as accepted and where the
-- send stands; broadcast_recipients is the audience, fixed when the broadcast starts, one row per user: pending until
-- the fan-out claims it (FOR UPDATE SKIP LOCKED, like the timers), then sent, skipped, expired or cancelled, with
-- the reason. Locks: the fan-out and the scan hold the broadcast's row FOR SHARE while they work, a cancel holds
-- it FOR UPDATE, so once a cancel commits no transaction of that broadcast writes anything more. A recipient's row
-- changes in the same transaction as their message is written to the outbox, so a crash resumes with nobody skipped
-- and nobody told twice.
CREATE TABLE broadcasts (
    id              text        PRIMARY KEY,
    name            text        NOT NULL,
    idempotency_key text        UNIQUE,
    request_hash    text        NOT NULL,
    spec            jsonb       NOT NULL,
    state           text        NOT NULL,
    created_at      timestamptz NOT NULL,
    starts_at       timestamptz NOT NULL,
    expires_at      timestamptz,
    rate_per_second integer,
    finished_at     timestamptz,
    cancelled_at    timestamptz
);
CREATE INDEX broadcasts_created ON broadcasts (created_at DESC);

-- Where taking the audience of an 'all' or 'where' broadcast stands: the users (in user-id order) up to 'after' have
-- been looked at. Its own row, so that the scan (which holds it) never waits on the fan-out or on a cancel.
CREATE TABLE broadcast_snapshots (
    broadcast text    PRIMARY KEY REFERENCES broadcasts (id),
    after     text,
    done      boolean NOT NULL,
    scanned   bigint  NOT NULL DEFAULT 0
);

-- A rate-limited broadcast's current second and what was handed to dispatch in it, shared by every instance.
CREATE TABLE broadcast_rates (
    broadcast text        PRIMARY KEY REFERENCES broadcasts (id),
    second    timestamptz,
    sent      integer     NOT NULL DEFAULT 0
);

CREATE TABLE broadcast_recipients (
    broadcast  text        NOT NULL REFERENCES broadcasts (id),
    user_id    text        NOT NULL,
    status     text        NOT NULL,
    due_at     timestamptz,
    channel    text,
    message_id text,
    reason     text,
    -- What message-dispatch reported of the message, moving only forward (Enrollment.SentMessage.rank): delivered
    -- or failed, then read or dismissed, then clicked, then unsubscribed.
    outcome      text,
    outcome_rank smallint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (broadcast, user_id)
);
CREATE INDEX broadcast_recipients_due ON broadcast_recipients (broadcast, due_at) WHERE due_at IS NOT NULL;

-- When the engine first knew the user: a broadcast's audience is the users it knew when the broadcast started.
-- Existing users get the time of this migration (they existed before any broadcast could start).
ALTER TABLE profiles ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- Incidents (docs/broadcasts.md#incidents): a first notice (a broadcast), then updates and a resolve, each a
-- broadcast to exactly the users who received the notice. part says which of them a broadcast is.
CREATE TABLE incidents (
    id              text        PRIMARY KEY,
    title           text        NOT NULL,
    state           text        NOT NULL,
    hold_nudges     boolean     NOT NULL,
    idempotency_key text        UNIQUE,
    request_hash    text        NOT NULL,
    notice          text        NOT NULL REFERENCES broadcasts (id),
    opened_at       timestamptz NOT NULL,
    resolved_at     timestamptz
);
CREATE INDEX incidents_opened ON incidents (opened_at DESC);
ALTER TABLE broadcasts ADD COLUMN incident text;
ALTER TABLE broadcasts ADD COLUMN part text;
