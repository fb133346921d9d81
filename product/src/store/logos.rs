//! Coin logos as product serves them: re-encoded PNGs named by their SHA-256, with the
//! provider's URL they came from, so a logo is fetched again only when that URL changes.

use super::schema::coin_logos;
use crate::logos::{Logo, LogoHash};
use crate::market::CoinId;
use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;

/// One coin's logo, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLogo {
    pub coin: CoinId,
    pub source_url: String,
    pub logo: Logo,
}

/// Replaces `coin`'s logo.
pub fn put(conn: &mut DbConnection, stored: &StoredLogo, fetched_at: i64) -> Result<(), DbError> {
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::delete(coin_logos::table.find(stored.coin.as_str())).execute(conn)?;
        diesel::insert_into(coin_logos::table)
            .values((
                coin_logos::coin_id.eq(stored.coin.as_str()),
                coin_logos::source_url.eq(&stored.source_url),
                coin_logos::sha256.eq(stored.logo.hash().as_str()),
                coin_logos::png.eq(stored.logo.png()),
                coin_logos::fetched_at.eq(fetched_at),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok(())
}

/// Every stored logo whose coin id is still valid and whose bytes still match their hash.
pub fn load_all(conn: &mut DbConnection) -> Result<Vec<StoredLogo>, DbError> {
    let rows = coin_logos::table.select(COLUMNS).load(conn)?;
    Ok(checked(rows))
}

/// The stored logos of `coins`, as [`load_all`].
pub fn load_coins(conn: &mut DbConnection, coins: &[String]) -> Result<Vec<StoredLogo>, DbError> {
    let rows = coin_logos::table
        .filter(coin_logos::coin_id.eq_any(coins))
        .select(COLUMNS)
        .load(conn)?;
    Ok(checked(rows))
}

const COLUMNS: (
    coin_logos::coin_id,
    coin_logos::source_url,
    coin_logos::sha256,
    coin_logos::png,
) = (
    coin_logos::coin_id,
    coin_logos::source_url,
    coin_logos::sha256,
    coin_logos::png,
);

fn checked(rows: Vec<(String, String, String, Vec<u8>)>) -> Vec<StoredLogo> {
    rows
        .into_iter()
        .filter_map(|(coin, source_url, sha256, png)| {
            let logo = Logo::from_png(png);
            if LogoHash::parse(&sha256).as_ref() != Some(logo.hash()) {
                log::warn!(coin = coin.as_str(); "skipping a stored logo whose bytes do not match its hash");
                return None;
            }
            Some(StoredLogo {
                coin: CoinId::parse(&coin).ok()?,
                source_url,
                logo,
            })
        })
        .collect()
}

/// The hash of each stored logo, by coin: what a follower compares with what it holds.
pub fn hashes(conn: &mut DbConnection) -> Result<Vec<(String, String)>, DbError> {
    Ok(coin_logos::table
        .select((coin_logos::coin_id, coin_logos::sha256))
        .load(conn)?)
}
