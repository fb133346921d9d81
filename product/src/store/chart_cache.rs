//! Chart series fetched on demand from the source (the longer ranges), kept with the time
//! they were fetched so readers can judge their age.

use super::schema::chart_cache;
use crate::market::{ChartRange, CoinId, Series};
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

/// A cached series and when it was fetched (unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct CachedChart {
    pub series: Series,
    pub fetched_at: i64,
}

pub fn get(
    conn: &mut DbConnection,
    id: &CoinId,
    range: ChartRange,
) -> Result<Option<CachedChart>, DbError> {
    let row: Option<(String, i64)> = chart_cache::table
        .find((id.as_str(), range.as_str()))
        .select((chart_cache::payload, chart_cache::fetched_at))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(payload, fetched_at)| {
        // A payload that no longer reads counts as absent and is fetched again.
        let series = serde_json::from_str(&payload).ok()?;
        Some(CachedChart { series, fetched_at })
    }))
}

pub fn put(
    conn: &mut DbConnection,
    id: &CoinId,
    range: ChartRange,
    chart: &CachedChart,
) -> Result<(), DbError> {
    let payload = serde_json::to_string(&chart.series)
        .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::delete(chart_cache::table.find((id.as_str(), range.as_str()))).execute(conn)?;
        diesel::insert_into(chart_cache::table)
            .values((
                chart_cache::coin_id.eq(id.as_str()),
                chart_cache::range_key.eq(range.as_str()),
                chart_cache::payload.eq(payload),
                chart_cache::fetched_at.eq(chart.fetched_at),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

/// Drops cached charts fetched before `cutoff` (coins that left the listing, mostly).
pub fn delete_fetched_before(conn: &mut DbConnection, cutoff: i64) -> Result<usize, DbError> {
    Ok(
        diesel::delete(chart_cache::table.filter(chart_cache::fetched_at.lt(cutoff)))
            .execute(conn)?,
    )
}
