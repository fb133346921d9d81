-- The exchange rates the refresher fetched last: one row (id = 1). payload is units of each
-- currency per US dollar, by code, as JSON (see product::market::ExchangeRates); source is
-- the feed they came from, so demo rates never convert real prices.
CREATE TABLE exchange_rates (
    id INTEGER PRIMARY KEY NOT NULL,
    source TEXT NOT NULL,
    payload TEXT NOT NULL,
    fetched_at BIGINT NOT NULL
);

-- The currency a signed-in user saved for prices, keyed by the user id from the shared
-- session (login owns the users). currency is a lower-case code such as 'eur'.
CREATE TABLE currency_preferences (
    user_id BIGINT PRIMARY KEY NOT NULL,
    currency TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
