//! Coins outside the ranked set, fetched on demand and kept with their own as-of time.

use super::schema::long_tail_coins;
use crate::market::{Coin, CoinId};
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

/// The stored coin `id` and when it was fetched.
pub fn get(conn: &mut DbConnection, id: &CoinId) -> Result<Option<(Coin, i64)>, DbError> {
    let row: Option<(String, i64)> = long_tail_coins::table
        .find(id.as_str())
        .select((long_tail_coins::payload, long_tail_coins::fetched_at))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(payload, at)| Some((serde_json::from_str(&payload).ok()?, at))))
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
