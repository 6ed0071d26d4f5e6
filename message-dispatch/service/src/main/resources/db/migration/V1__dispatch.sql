-- One row per message id: the request as received and where its delivery stands. The primary key makes delivery
-- idempotent: a request that arrives twice is stored once.
CREATE TABLE deliveries (
    message_id      text PRIMARY KEY,
    user_id         text        NOT NULL,
    journey         text,
    step            text,
    channel         text        NOT NULL,
    request         jsonb       NOT NULL,
    status          text        NOT NULL,
    delivered_by    text,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';

-- Each user's in-app inbox.
CREATE TABLE inbox_messages (
    message_id   text PRIMARY KEY,
    user_id      text        NOT NULL,
    journey      text,
    step         text,
    title        text        NOT NULL,
    body         text        NOT NULL,
    action_label text,
    action_url   text,
    created_at   timestamptz NOT NULL,
    read_at      timestamptz,
    clicked_at   timestamptz,
    dismissed_at timestamptz
);
CREATE INDEX inbox_user ON inbox_messages (user_id, created_at DESC);

-- Addresses that must not be used again: hard bounces, opt-outs.
CREATE TABLE suppressions (
    channel text        NOT NULL,
    address text        NOT NULL,
    reason  text        NOT NULL,
    at      timestamptz NOT NULL,
    PRIMARY KEY (channel, address)
);

-- Delivery events leave through this table, written with the status change they report.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    topic      text        NOT NULL,
    record_key text        NOT NULL,
    payload    text        NOT NULL,
    headers    jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL
);

CREATE TABLE consumer_offsets (
    topic       text    NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    PRIMARY KEY (topic, partition)
);
