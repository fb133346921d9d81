//! Product's tables, as diesel sees them (kept by hand in step with `migrations/product`).

diesel::table! {
    coins (id) {
        id -> Text,
        position -> Integer,
        payload -> Text,
    }
}

diesel::table! {
    feed_state (id) {
        id -> Integer,
        source -> Text,
        generation -> BigInt,
        as_of -> Nullable<BigInt>,
        global_payload -> Nullable<Text>,
        last_success_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<BigInt>,
        history_pruned_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    price_points (coin_id, ts) {
        coin_id -> Text,
        ts -> BigInt,
        price -> Double,
    }
}

diesel::table! {
    chart_cache (coin_id, range_key) {
        coin_id -> Text,
        range_key -> Text,
        payload -> Text,
        fetched_at -> BigInt,
    }
}

diesel::table! {
    watchlist (user_id, coin_id) {
        user_id -> BigInt,
        coin_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    refresh_log (kind) {
        kind -> Text,
        last_attempt_at -> Nullable<BigInt>,
        last_success_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    api_calls (month, purpose) {
        month -> Text,
        purpose -> Text,
        calls -> BigInt,
    }
}

diesel::table! {
    coin_list (id) {
        id -> Text,
        symbol -> Text,
        name -> Text,
    }
}

diesel::table! {
    long_tail_coins (id) {
        id -> Text,
        payload -> Text,
        fetched_at -> BigInt,
    }
}

diesel::table! {
    exchange_rates (id) {
        id -> Integer,
        source -> Text,
        payload -> Text,
        fetched_at -> BigInt,
    }
}

diesel::table! {
    currency_preferences (user_id) {
        user_id -> BigInt,
        currency -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    coin_logos (coin_id) {
        coin_id -> Text,
        source_url -> Text,
        sha256 -> Text,
        png -> Binary,
        fetched_at -> BigInt,
    }
}
