-- One person, one user (docs/journeys.md): a profile first seen only under an SDK's anonymousId is anonymous until an
-- event names it as a userId. When an identify or alias call joins an anonymous profile to a user, its state moves
-- to the user and its row stays behind, empty, with merged_into set: calls that still arrive with only that
-- anonymousId (sent before the sign-up, delayed on another partition) and delivery reports of messages sent to it
-- are the user's. The row is also what serialises the join with such a call: both lock it.
ALTER TABLE profiles ADD COLUMN anonymous boolean NOT NULL DEFAULT false;
ALTER TABLE profiles ADD COLUMN merged_into text;
CREATE INDEX profiles_merged_into ON profiles (merged_into) WHERE merged_into IS NOT NULL;
