-- No query reads enrollments by journey alone any more: the console's and the metrics' figures come from
-- journey_counts (V7), and every other read is by user. The index only cost writes: every enrollment inserted, and
-- every step that moves due_at (an update that cannot be HOT), added an entry to a b-tree of one key per journey.
-- Measured by deploy/bench/run growth (docs/performance.md).
DROP INDEX IF EXISTS enrollments_journey;
