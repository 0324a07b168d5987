-- crm-index schema, version 7: errors that steer the scheduler, resumable first syncs.

-- The kind of Error a failed run ended with (auth, config, transient, ...; NULL for
-- runs before this version, ok runs and runs abandoned by a crash): a source whose last
-- run the CRM refused (auth, config) needs attention, for `status` and after a restart.
-- Runs skipped on purpose (a quota reserve) have status 'skipped'.
ALTER TABLE runs ADD COLUMN error_kind TEXT;

-- When the full pass a cursor belongs to began: a first sync interrupted and resumed
-- from its cursor by a later process keeps the start of the run that read its first
-- page, for last_full and the watermark (records read before the interruption may have
-- changed after they were read).
ALTER TABLE cursors ADD COLUMN pass_started_ms INTEGER;
