-- The teammate who signed an in-app message (team.yaml on the engine's side): the widget shows name, role and picture.
ALTER TABLE inbox_messages
    ADD COLUMN sender_name text,
    ADD COLUMN sender_role text,
    ADD COLUMN sender_avatar text;
