-- The retention purge finds old decisions by time; the log is written in time order, so a BRIN index costs almost
-- nothing to keep.
CREATE INDEX decisions_at ON decisions USING brin (at);
