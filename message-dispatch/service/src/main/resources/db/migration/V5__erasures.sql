-- Users erased (issue 11): a digest of each id ('sha256:' + hex), so that a message request sent before the erasure but
-- read after it is dropped instead of bringing the user back. Suppressed addresses of erased users stay suppressed as
-- digests in suppressions.address ('sha256:' + hex of the trimmed, lower-case address).
CREATE TABLE erasures (
    user_digest  text        PRIMARY KEY,
    requested_at timestamptz NOT NULL,
    applied_at   timestamptz NOT NULL
);
