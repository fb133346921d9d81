//! The provider's whole coin list, replaced whole once a day.

use super::on_each_backend;
use super::schema::coin_list;
use crate::market::{CoinId, ListedCoin};
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

#[derive(Insertable)]
#[diesel(table_name = coin_list)]
struct Row<'a> {
    id: &'a str,
    symbol: &'a str,
    name: &'a str,
}

/// Replaces the stored list with `coins`, in one transaction.
pub fn replace(conn: &mut DbConnection, coins: &[ListedCoin]) -> Result<(), DbError> {
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<Row<'_>> = coins
        .iter()
        .filter(|c| seen.insert(c.id.as_str()))
        .map(|c| Row {
            id: c.id.as_str(),
            symbol: &c.symbol,
            name: &c.name,
        })
        .collect();
    conn.transaction::<(), diesel::result::Error, _>(|conn| {
        diesel::delete(coin_list::table).execute(conn)?;
        // Three parameters a row: a third of the usual chunk stays under both limits.
        for chunk in rows.chunks(super::INSERT_CHUNK / 3) {
            on_each_backend!(conn, |c| diesel::insert_into(coin_list::table)
                .values(chunk)
                .execute(c))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The stored list, in the provider's order; entries that no longer read are skipped.
pub fn load(conn: &mut DbConnection) -> Result<Vec<ListedCoin>, DbError> {
    let rows: Vec<(String, String, String)> = coin_list::table
        .order(coin_list::id.asc())
        .select((coin_list::id, coin_list::symbol, coin_list::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, symbol, name)| {
            Some(ListedCoin {
                id: CoinId::parse(&id).ok()?,
                symbol,
                name,
            })
        })
        .collect())
}
