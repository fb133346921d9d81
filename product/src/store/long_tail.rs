//! Coins outside the ranked set, fetched on demand and kept with their own as-of time.

use super::schema::long_tail_coins;
use crate::market::{Coin, CoinId};
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

/// The stored coins among `ids`, each with when it was fetched, in no particular order.
pub fn get_many(conn: &mut DbConnection, ids: &[CoinId]) -> Result<Vec<(Coin, i64)>, DbError> {
    let ids: Vec<&str> = ids.iter().map(CoinId::as_str).collect();
    let rows: Vec<(String, i64)> = long_tail_coins::table
        .filter(long_tail_coins::id.eq_any(ids))
        .select((long_tail_coins::payload, long_tail_coins::fetched_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(payload, at)| Some((serde_json::from_str(&payload).ok()?, at)))
        .collect())
}

/// Stores `coins`, fetched at `at`, replacing what was kept of them.
pub fn put(conn: &mut DbConnection, coins: &[Coin], at: i64) -> Result<(), DbError> {
    for coin in coins {
        let payload = serde_json::to_string(coin)
            .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
        let updated = diesel::update(long_tail_coins::table.find(coin.id.as_str()))
            .set((
                long_tail_coins::payload.eq(&payload),
                long_tail_coins::fetched_at.eq(at),
            ))
            .execute(conn)?;
        if updated == 0 {
            super::insert_ignoring_duplicates!(
                conn,
                long_tail_coins::table,
                (
                    long_tail_coins::id.eq(coin.id.as_str()),
                    long_tail_coins::payload.eq(&payload),
                    long_tail_coins::fetched_at.eq(at),
                )
            )?;
        }
    }
    Ok(())
}
