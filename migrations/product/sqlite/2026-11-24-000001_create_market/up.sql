-- The latest market snapshot, one row per coin, replaced as a whole by each refresh.
-- payload is the coin as JSON in product's own shape (see product::market::Coin).
CREATE TABLE coins (
    id TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    payload TEXT NOT NULL
);

-- What the market feed last did: one row (id = 1). generation grows with every snapshot
-- written, so replicas that do not refresh notice a new one and load it.
CREATE TABLE feed_state (
    id INTEGER PRIMARY KEY NOT NULL,
    source TEXT NOT NULL,
    generation BIGINT NOT NULL,
    as_of BIGINT,
    global_payload TEXT,
    last_success_at BIGINT,
    last_error TEXT,
    last_error_at BIGINT,
    history_pruned_at BIGINT
);
INSERT INTO feed_state (id, source, generation) VALUES (1, 'none', 0);

-- Price history appended by the refresher (and seeded by the demo source), thinned with age:
-- every point for two days, one an hour for 35 days, one a day for 400 days.
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
