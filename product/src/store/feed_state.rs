//! What the feed last did, for operators and for the refresher's own schedule.

use super::schema::feed_state;
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

/// The feed's record, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct FeedRecord {
    pub source: String,
    pub generation: i64,
    pub as_of: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub history_pruned_at: Option<i64>,
}

pub fn read(conn: &mut DbConnection) -> Result<FeedRecord, DbError> {
    Ok(feed_state::table
        .find(1)
        .select((
            feed_state::source,
            feed_state::generation,
            feed_state::as_of,
            feed_state::last_success_at,
            feed_state::last_error,
            feed_state::last_error_at,
            feed_state::history_pruned_at,
        ))
        .first(conn)?)
}

/// Longest error text kept: enough to act on, never a whole upstream page.
const MAX_ERROR_CHARS: usize = 500;

pub fn record_error(conn: &mut DbConnection, message: &str, at: i64) -> Result<(), DbError> {
    let message: String = message.chars().take(MAX_ERROR_CHARS).collect();
    diesel::update(feed_state::table.find(1))
        .set((
            feed_state::last_error.eq(message),
            feed_state::last_error_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_pruned(conn: &mut DbConnection, at: i64) -> Result<(), DbError> {
    diesel::update(feed_state::table.find(1))
        .set(feed_state::history_pruned_at.eq(at))
        .execute(conn)?;
    Ok(())
}
