//! The exchange rates in the database: written by the refresher, read at start and by
//! replicas that follow another one's refreshes.

use super::schema::exchange_rates;
use crate::market::{ExchangeRates, SourceKind};
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

/// Replaces the stored rates with `rates` from `source`.
pub fn save(
    conn: &mut DbConnection,
    source: SourceKind,
    rates: &ExchangeRates,
) -> Result<(), DbError> {
    let payload = serde_json::to_string(rates)
        .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::delete(exchange_rates::table).execute(conn)?;
        diesel::insert_into(exchange_rates::table)
            .values((
                exchange_rates::id.eq(1),
                exchange_rates::source.eq(source.as_str()),
                exchange_rates::payload.eq(payload),
                exchange_rates::fetched_at.eq(rates.fetched_at),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

/// When the stored rates of `source` were fetched: `None` when there are none.
pub fn fetched_at(conn: &mut DbConnection, source: SourceKind) -> Result<Option<i64>, DbError> {
    Ok(exchange_rates::table
        .filter(exchange_rates::source.eq(source.as_str()))
        .select(exchange_rates::fetched_at)
        .first(conn)
        .optional()?)
}

/// The stored rates of `source`, or `None` when there are none (or they no longer read).
pub fn load(conn: &mut DbConnection, source: SourceKind) -> Result<Option<ExchangeRates>, DbError> {
    let payload: Option<String> = exchange_rates::table
        .filter(exchange_rates::source.eq(source.as_str()))
        .select(exchange_rates::payload)
        .first(conn)
        .optional()?;
    Ok(payload.and_then(|p| match serde_json::from_str(&p) {
        Ok(rates) => Some(rates),
        Err(err) => {
            log::warn!("skipping stored exchange rates that no longer read: {err}");
            None
        }
    }))
}
