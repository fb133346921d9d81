-- Each coin's logo as product serves it: the provider's image (source_url) decoded, checked
-- and re-encoded as a small PNG here (png), never the provider's bytes. sha256 is the hex
-- digest of png, which names it in the URL (/coins/logos/<sha256>.png). Demo logos have a
-- source_url of the form demo:<coin id>.
CREATE TABLE coin_logos (
    coin_id TEXT PRIMARY KEY NOT NULL,
    source_url TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    png BYTEA NOT NULL,
    fetched_at BIGINT NOT NULL
);
