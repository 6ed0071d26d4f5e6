-- A user's deliveries, newest first: the address a preference link must still be the user's (and, later, erasure).
CREATE INDEX deliveries_user ON deliveries (user_id, created_at DESC);
