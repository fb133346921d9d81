//! Watchlists: which coins a user keeps an eye on, keyed by the user id from the session.

use super::insert_ignoring_duplicates;
use super::schema::watchlist;
use crate::market::CoinId;
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

/// Adds `coin` to the user's list; adding it twice changes nothing.
pub fn add(conn: &mut DbConnection, user_id: i64, coin: &CoinId, now: i64) -> Result<(), DbError> {
    let row = (
        watchlist::user_id.eq(user_id),
        watchlist::coin_id.eq(coin.as_str()),
        watchlist::created_at.eq(now),
    );
    insert_ignoring_duplicates!(conn, watchlist::table, row)?;
    Ok(())
}

/// Removes `coin` from the user's list; removing it when absent changes nothing.
pub fn remove(conn: &mut DbConnection, user_id: i64, coin: &CoinId) -> Result<(), DbError> {
    diesel::delete(watchlist::table.find((user_id, coin.as_str()))).execute(conn)?;
    Ok(())
}

/// Removes every row of a user whose account was deleted; doing it twice changes nothing.
pub fn forget_user(conn: &mut DbConnection, user_id: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(watchlist::table.filter(watchlist::user_id.eq(user_id))).execute(conn)?)
}

/// The user's coins in the order they were added. Ids that no longer parse are left out.
pub fn list(conn: &mut DbConnection, user_id: i64) -> Result<Vec<CoinId>, DbError> {
    let ids: Vec<String> = watchlist::table
        .filter(watchlist::user_id.eq(user_id))
        .order((watchlist::created_at.asc(), watchlist::coin_id.asc()))
        .select(watchlist::coin_id)
        .load(conn)?;
    Ok(ids.iter().filter_map(|id| CoinId::parse(id).ok()).collect())
}

pub fn contains(conn: &mut DbConnection, user_id: i64, coin: &CoinId) -> Result<bool, DbError> {
    let found: Option<String> = watchlist::table
        .find((user_id, coin.as_str()))
        .select(watchlist::coin_id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}
