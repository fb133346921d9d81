//! Product's database: the market snapshot, feed state, price history, the chart cache,
//! exchange rates, watchlists, users' saved currencies, the coin list, long-tail coins, and the
//! call count and schedule. Every function here is blocking; callers run them through
//! `DbPool::run`.

pub mod api_calls;
pub mod chart_cache;
pub mod coin_list;
pub mod currency_preference;
pub mod feed_state;
pub mod history;
pub mod logos;
pub mod long_tail;
pub mod rates;
pub mod refresh_log;
pub(crate) mod schema;
pub mod snapshot;
pub mod watchlist;

/// Runs `$body` with `$c` bound to the backend's own connection, for the statements the
/// multi-backend connection cannot express (multi-row inserts), written once for both.
macro_rules! on_each_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            chassis::db::DbConnection::Postgresql($c) => $body,
            chassis::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_each_backend;

/// Rows per multi-row insert: well under both backends' limits on bound parameters.
const INSERT_CHUNK: usize = 2_000;

/// `INSERT … ON CONFLICT DO NOTHING` of `$values` into `$table`, on either backend (SQLite
/// spells it `INSERT OR IGNORE`). Evaluates to the number of rows added.
macro_rules! insert_ignoring_duplicates {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            chassis::db::DbConnection::Postgresql(c) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(c),
            chassis::db::DbConnection::Sqlite(c) => diesel::insert_or_ignore_into($table)
                .values($values)
                .execute(c),
        }
    };
}
pub(crate) use insert_ignoring_duplicates;
