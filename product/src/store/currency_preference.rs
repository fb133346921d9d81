//! The currency a signed-in user saved, keyed by the user id from the session.

use super::schema::currency_preferences;
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;
use shared_ui::Currency;

/// Saves `currency` as the user's choice, replacing any earlier one.
pub fn set(
    conn: &mut DbConnection,
    user_id: i64,
    currency: Currency,
    now: i64,
) -> Result<(), DbError> {
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::delete(currency_preferences::table.find(user_id)).execute(conn)?;
        diesel::insert_into(currency_preferences::table)
            .values((
                currency_preferences::user_id.eq(user_id),
                currency_preferences::currency.eq(currency.code()),
                currency_preferences::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

/// The user's saved currency, if any (a stored code this version no longer knows is none).
pub fn get(conn: &mut DbConnection, user_id: i64) -> Result<Option<Currency>, DbError> {
    let code: Option<String> = currency_preferences::table
        .find(user_id)
        .select(currency_preferences::currency)
        .first(conn)
        .optional()?;
    Ok(code.as_deref().and_then(Currency::parse))
}

/// Forgets the choice of a user whose account was deleted; doing it twice changes nothing.
pub fn forget_user(conn: &mut DbConnection, user_id: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(currency_preferences::table.find(user_id)).execute(conn)?)
}
