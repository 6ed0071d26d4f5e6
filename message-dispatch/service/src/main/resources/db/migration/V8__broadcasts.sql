-- The broadcast an in-app message belongs to (journey-engine's POST /v1/broadcasts): null for a journey's message.
-- Its read, click and dismiss events name it, so the engine counts each broadcast's funnel.
ALTER TABLE inbox_messages ADD COLUMN broadcast text;
-- The incident it is the notice, an update or the resolve of: the widget shows an incident's messages as one thread.
ALTER TABLE inbox_messages ADD COLUMN incident text;
