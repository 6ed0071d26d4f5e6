-- Outbox payloads are bytes: a dead-lettered record is kept exactly as it came, even when it is not text
-- PostgreSQL could store.
ALTER TABLE outbox ALTER COLUMN payload TYPE bytea USING convert_to(payload, 'UTF8');

-- A send to a provider is owned by one instance: 'queued' once claimed (the lease renewed while the instance lives),
-- 'sending' from the moment the provider is called, with a lease that starts then; the outcome is recorded only by
-- the lease's owner. A lease that runs out means its instance died: the row is pending again.
ALTER TABLE deliveries ADD COLUMN lease_owner text;
ALTER TABLE deliveries ADD COLUMN lease_until timestamptz;
UPDATE deliveries SET lease_until = updated_at + interval '2 minutes' WHERE status = 'sending';
DROP INDEX deliveries_sending;
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status IN ('queued', 'sending');
