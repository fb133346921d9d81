//! Calls made to the provider this month, by purpose: counted in the database so that every
//! replica (on-demand charts are fetched by whichever serves the page) and every restart
//! adds to the same count.

use super::schema::api_calls;
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;
use std::collections::HashMap;

/// Adds one call of `purpose` to `month` (`YYYY-MM`).
pub fn count(conn: &mut DbConnection, month: &str, purpose: &str) -> Result<(), DbError> {
    let updated = diesel::update(api_calls::table.find((month, purpose)))
        .set(api_calls::calls.eq(api_calls::calls + 1))
        .execute(conn)?;
    if updated == 0 {
        // Two replicas may both find no row: the loser of the insert adds to the winner's.
        let inserted = super::insert_ignoring_duplicates!(
            conn,
            api_calls::table,
            (
                api_calls::month.eq(month),
                api_calls::purpose.eq(purpose),
                api_calls::calls.eq(1i64),
            )
        )?;
        if inserted == 0 {
            diesel::update(api_calls::table.find((month, purpose)))
                .set(api_calls::calls.eq(api_calls::calls + 1))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The calls of `month`, by purpose.
pub fn of_month(conn: &mut DbConnection, month: &str) -> Result<HashMap<String, i64>, DbError> {
    let rows: Vec<(String, i64)> = api_calls::table
        .filter(api_calls::month.eq(month))
        .select((api_calls::purpose, api_calls::calls))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
