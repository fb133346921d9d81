//! The market snapshot in the database: written whole by the refresher, read at start and by
//! replicas that follow another one's refreshes.

use super::on_each_backend;
use super::schema::{chart_cache, coins, feed_state, price_points};
use crate::market::{Coin, GlobalFigures, MarketData, Snapshot, SourceKind};
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

#[derive(Insertable)]
#[diesel(table_name = coins)]
struct NewCoinRow {
    id: String,
    position: i32,
    payload: String,
}

/// Replaces the stored snapshot with `data` and returns its generation (its version).
///
/// Price history and cached charts from another source are dropped in the same transaction:
/// demo prices must never end up in a chart of real ones.
pub fn save(
    conn: &mut DbConnection,
    source: SourceKind,
    data: &MarketData,
    now: i64,
) -> Result<u64, DbError> {
    let rows = data
        .coins
        .iter()
        .enumerate()
        .map(|(position, coin)| {
            Ok(NewCoinRow {
                id: coin.id.to_string(),
                position: i32::try_from(position).unwrap_or(i32::MAX),
                payload: serde_json::to_string(coin).map_err(not_serializable)?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    let global = data
        .global
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(not_serializable)?;
    let generation = conn.transaction::<i64, diesel::result::Error, _>(|conn| {
        let previous: String = feed_state::table
            .find(1)
            .select(feed_state::source)
            .first(conn)?;
        if previous != source.as_str() {
            diesel::delete(price_points::table).execute(conn)?;
            diesel::delete(chart_cache::table).execute(conn)?;
        }
        diesel::delete(coins::table).execute(conn)?;
        for chunk in rows.chunks(super::INSERT_CHUNK) {
            on_each_backend!(conn, |c| diesel::insert_into(coins::table)
                .values(chunk)
                .execute(c))?;
        }
        diesel::update(feed_state::table.find(1))
            .set((
                feed_state::source.eq(source.as_str()),
                feed_state::generation.eq(feed_state::generation + 1),
                feed_state::as_of.eq(data.as_of),
                feed_state::global_payload.eq(global),
                feed_state::last_success_at.eq(now),
            ))
            .execute(conn)?;
        feed_state::table
            .find(1)
            .select(feed_state::generation)
            .first(conn)
    })?;
    Ok(u64::try_from(generation).unwrap_or(0))
}

fn not_serializable(err: serde_json::Error) -> DbError {
    DbError::Query(diesel::result::Error::SerializationError(Box::new(err)))
}

/// The generation of the stored snapshot: 0 when none was ever written.
pub fn generation(conn: &mut DbConnection) -> Result<u64, DbError> {
    let generation: i64 = feed_state::table
        .find(1)
        .select(feed_state::generation)
        .first(conn)?;
    Ok(u64::try_from(generation).unwrap_or(0))
}

/// The stored snapshot, or `None` when none was ever written. A coin whose stored form no
/// longer reads (written by an older version) is skipped; the next refresh rewrites it.
pub fn load(conn: &mut DbConnection) -> Result<Option<Snapshot>, DbError> {
    let (source, generation, as_of, global): (String, i64, Option<i64>, Option<String>) =
        feed_state::table
            .find(1)
            .select((
                feed_state::source,
                feed_state::generation,
                feed_state::as_of,
                feed_state::global_payload,
            ))
            .first(conn)?;
    let (Some(source), Some(as_of)) = (SourceKind::parse(&source), as_of) else {
        return Ok(None);
    };
    // Row by row: a thousand payloads read at once are megabytes of strings held only to be
    // parsed, and the allocator keeps that peak long after (product's idle RSS).
    let mut coins = Vec::new();
    for row in coins::table
        .order(coins::position.asc())
        .select((coins::id, coins::payload))
        .load_iter::<(String, String), diesel::connection::DefaultLoadingMode>(conn)?
    {
        let (id, payload) = row?;
        match serde_json::from_str::<Coin>(&payload) {
            Ok(coin) => coins.push(coin),
            Err(err) => {
                log::warn!(coin = id.as_str(); "skipping a stored coin that no longer reads: {err}");
            }
        }
    }
    let global = global.and_then(|g| serde_json::from_str::<GlobalFigures>(&g).ok());
    let version = u64::try_from(generation).unwrap_or(0);
    Ok(Some(Snapshot::new(
        version,
        source,
        MarketData::new(coins, global, as_of),
    )))
}
