-- Throttling now reserves an attempt before the password is checked, in buckets named by
-- kind (account:<login text>, ip:, device:, signup:). Rows under the old names (user:<id>,
-- login:<text>) would never be read again; the counts they held start over.
DELETE FROM login_throttle WHERE bucket LIKE 'user:%' OR bucket LIKE 'login:%';
