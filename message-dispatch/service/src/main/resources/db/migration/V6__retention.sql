-- The retention purge finds old deliveries and inbox messages by time; both are written in time order, so BRIN indexes
-- cost almost nothing to keep.
CREATE INDEX deliveries_created_at ON deliveries USING brin (created_at);
CREATE INDEX inbox_messages_created_at ON inbox_messages USING brin (created_at);
