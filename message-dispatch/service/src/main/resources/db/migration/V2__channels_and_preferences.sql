-- Which of the request's channels (the channel, then its fallbacks) is being tried, and with what.
ALTER TABLE deliveries ADD COLUMN channel_index integer NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN address text;
ALTER TABLE deliveries ADD COLUMN provider_id text;
ALTER TABLE deliveries ADD COLUMN failures text;
-- A send in progress; one older than the lease died with its instance and is tried again.
CREATE INDEX deliveries_sending ON deliveries (updated_at) WHERE status = 'sending';
-- SMS status callbacks name the provider's id; STOP replies name the number.
CREATE INDEX deliveries_provider ON deliveries (provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX deliveries_address ON deliveries (address, created_at DESC) WHERE address IS NOT NULL;

-- What a user unsubscribed from: a journey ('*' for all) on a channel ('*' for all).
CREATE TABLE preferences (
    user_id         text        NOT NULL,
    journey         text        NOT NULL,
    channel         text        NOT NULL,
    unsubscribed_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, journey, channel)
);
