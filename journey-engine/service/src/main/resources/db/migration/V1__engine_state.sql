-- What the engine knows of each user. The profile row is also the user's lock: whoever changes a user's state
-- (the event consumer or a timer) holds it FOR UPDATE for the transaction.
CREATE TABLE profiles (
    user_id    text PRIMARY KEY,
    traits     jsonb NOT NULL DEFAULT '{}',
    blocked    jsonb NOT NULL DEFAULT '{}',
    recent     jsonb NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL
);

-- One row per user, journey and enrollment cycle. due_at is the durable timer: at most one pending message each.
CREATE TABLE enrollments (
    user_id            text        NOT NULL,
    journey            text        NOT NULL,
    cycle              integer     NOT NULL,
    status             text        NOT NULL,
    enrolled_at        timestamptz NOT NULL,
    holdout            boolean     NOT NULL,
    trigger_properties jsonb       NOT NULL,
    done               jsonb       NOT NULL,
    current_step       text,
    current_since      timestamptz,
    next_message       integer     NOT NULL,
    last_message_at    timestamptz,
    due_at             timestamptz,
    ended_at           timestamptz,
    converted_at       timestamptz,
    sent               jsonb       NOT NULL,
    PRIMARY KEY (user_id, journey, cycle)
);
CREATE INDEX enrollments_due ON enrollments (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX enrollments_journey ON enrollments (journey);

-- The append-only journey log: every decision and its reason.
CREATE TABLE decisions (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    user_id    text        NOT NULL,
    journey    text        NOT NULL,
    cycle      integer     NOT NULL,
    step       text,
    kind       text        NOT NULL,
    detail     text        NOT NULL,
    message_id text
);
CREATE INDEX decisions_user ON decisions (user_id, id);

-- Messages leave through this table: written in the same transaction as the state change that decided them,
-- relayed to Kafka afterwards, so a crash can never split the two.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    topic       text        NOT NULL,
    record_key  text        NOT NULL,
    payload     text        NOT NULL,
    headers     jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL
);

-- Where each partition's consumption stands, committed with the state it produced: exactly-once effects.
CREATE TABLE consumer_offsets (
    topic       text    NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- Each distinct content of a journey file gets the next version number.
CREATE TABLE journey_versions (
    journey      text        NOT NULL,
    version      integer     NOT NULL,
    content_hash text        NOT NULL,
    source       text        NOT NULL,
    loaded_at    timestamptz NOT NULL,
    PRIMARY KEY (journey, version),
    UNIQUE (journey, content_hash)
);
