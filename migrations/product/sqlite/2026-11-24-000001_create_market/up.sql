-- The latest market snapshot, one row per coin; the whole snapshot is replaced per refresh.
CREATE TABLE coins (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    payload TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Price history appended by the refresher (and seeded by the demo source), pruned by age.
CREATE TABLE price_points (
    coin_id TEXT NOT NULL,
    ts BIGINT NOT NULL,
    price DOUBLE NOT NULL,
    PRIMARY KEY (coin_id, ts)
);

-- Longer chart ranges fetched on demand, cached with a time to live.
CREATE TABLE chart_cache (
    coin_id TEXT NOT NULL,
    range_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (coin_id, range_key)
);

-- Watchlists, keyed by the user id from the shared session (login owns the users).
CREATE TABLE watchlist (
    user_id BIGINT NOT NULL,
    coin_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, coin_id)
);

-- What the market feed last did, for the stale banner and operators.
CREATE TABLE feed_state (
    id INTEGER PRIMARY KEY NOT NULL,
    source TEXT NOT NULL,
    as_of BIGINT,
    last_success_at BIGINT,
    last_error TEXT,
    last_error_at BIGINT
);
