-- The old code starts with empty counts under its own names; nothing to restore.
SELECT 1;
