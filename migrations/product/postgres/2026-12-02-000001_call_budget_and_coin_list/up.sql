-- Each kind of scheduled call (markets:1, markets:2, global, rates, coin_list): when it was
-- last made and last succeeded, so a restart or a new leader keeps the schedule.
CREATE TABLE refresh_log (
    kind TEXT PRIMARY KEY NOT NULL,
    last_attempt_at BIGINT,
    last_success_at BIGINT,
    last_error TEXT
);

-- Calls made to the provider, per calendar month (UTC, 'YYYY-MM') and purpose (scheduled,
-- chart, long_tail_coin); every call counts, failures included, as the provider counts them.
CREATE TABLE api_calls (
    month TEXT NOT NULL,
    purpose TEXT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (month, purpose)
);

-- The provider's whole coin list (id, symbol, name), replaced daily.
CREATE TABLE coin_list (
    id TEXT PRIMARY KEY NOT NULL,
    symbol TEXT NOT NULL,
    name TEXT NOT NULL
);

-- Coins outside the ranked set, fetched on demand: the coin as JSON (product::market::Coin)
-- and when it was fetched.
CREATE TABLE long_tail_coins (
    id TEXT PRIMARY KEY NOT NULL,
    payload TEXT NOT NULL,
    fetched_at BIGINT NOT NULL
);
