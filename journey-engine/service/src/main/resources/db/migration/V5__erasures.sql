-- Users erased (issue 11): not their id, a digest of it ('sha256:' + hex), so that records about them received before
-- the request but read after it (another topic, another partition) are dropped instead of bringing them back.
CREATE TABLE erasures (
    user_digest  text        PRIMARY KEY,
    requested_at timestamptz NOT NULL,
    applied_at   timestamptz NOT NULL
);
