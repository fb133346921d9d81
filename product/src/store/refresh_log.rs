//! When each kind of scheduled call was last made and last succeeded, so that a restart or a
//! new leader keeps the schedule instead of fetching everything again.

use super::schema::refresh_log;
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;
use std::collections::HashMap;

/// The last success of each kind, by its key (`markets:1`, `coin_list`…).
pub fn last_successes(conn: &mut DbConnection) -> Result<HashMap<String, i64>, DbError> {
    let rows: Vec<(String, Option<i64>)> = refresh_log::table
        .select((refresh_log::kind, refresh_log::last_success_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, at)| Some((kind, at?)))
        .collect())
}

/// Records a call of `kind` at `at`: a success, or the error it met.
pub fn record(
    conn: &mut DbConnection,
    kind: &str,
    at: i64,
    error: Option<&str>,
) -> Result<(), DbError> {
    let error: Option<String> = error.map(|e| e.chars().take(500).collect());
    let success = error.is_none().then_some(at);
    let updated = match success {
        Some(at) => diesel::update(refresh_log::table.find(kind))
            .set((
                refresh_log::last_attempt_at.eq(at),
                refresh_log::last_success_at.eq(at),
                refresh_log::last_error.eq(None::<String>),
            ))
            .execute(conn)?,
        None => diesel::update(refresh_log::table.find(kind))
            .set((
                refresh_log::last_attempt_at.eq(at),
                refresh_log::last_error.eq(error.clone()),
            ))
            .execute(conn)?,
    };
    if updated == 0 {
        diesel::insert_into(refresh_log::table)
            .values((
                refresh_log::kind.eq(kind),
                refresh_log::last_attempt_at.eq(at),
                refresh_log::last_success_at.eq(success),
                refresh_log::last_error.eq(error),
            ))
            .execute(conn)?;
    }
    Ok(())
}
