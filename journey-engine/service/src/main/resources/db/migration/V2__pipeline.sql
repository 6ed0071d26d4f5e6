-- Outbox payloads are bytes: a dead-lettered record is kept exactly as it came, even when it is not text
-- PostgreSQL could store (a NUL, invalid UTF-8).
ALTER TABLE outbox ALTER COLUMN payload TYPE bytea USING convert_to(payload, 'UTF8');
