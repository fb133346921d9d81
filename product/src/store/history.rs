//! Price history: appended after every refresh, read for charts, thinned with age.
//!
//! Retention: every point for two days, the first point of each hour up to 35 days, the
//! first of each day up to 400 days, nothing older. That keeps a year of charts for a few
//! hundred coins in a few hundred thousand rows.

use super::insert_ignoring_duplicates;
use super::schema::price_points;
use crate::market::{CoinId, PricePoint, Series};
use chassis::db::{DbConnection, DbError};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::collections::HashMap;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// (age after which, bucket kept one point of): every tier of the retention policy.
const TIERS: [(i64, i64); 2] = [(2 * DAY, HOUR), (35 * DAY, DAY)];
/// Points older than this are deleted.
pub const KEEP_FOR: i64 = 400 * DAY;

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = price_points)]
pub struct HistoryRow {
    pub coin_id: String,
    pub ts: i64,
    pub price: f64,
}

impl HistoryRow {
    pub fn new(id: &CoinId, point: PricePoint) -> Self {
        Self {
            coin_id: id.to_string(),
            ts: point.at,
            price: point.price,
        }
    }
}

/// Adds points; a point already stored for the same coin and moment is kept as it was.
pub fn append(conn: &mut DbConnection, rows: &[HistoryRow]) -> Result<usize, DbError> {
    let mut added = 0;
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for chunk in rows.chunks(super::INSERT_CHUNK) {
            added += insert_ignoring_duplicates!(conn, price_points::table, chunk)?;
        }
        Ok(())
    })?;
    Ok(added)
}

/// The newest stored moment of each coin.
pub fn latest_per_coin(conn: &mut DbConnection) -> Result<HashMap<String, i64>, DbError> {
    let rows: Vec<(String, Option<i64>)> = price_points::table
        .group_by(price_points::coin_id)
        .select((price_points::coin_id, diesel::dsl::max(price_points::ts)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, ts)| Some((id, ts?)))
        .collect())
}

/// A coin's points since `since`, oldest first.
pub fn read(conn: &mut DbConnection, id: &CoinId, since: i64) -> Result<Series, DbError> {
    let rows: Vec<(i64, f64)> = price_points::table
        .filter(price_points::coin_id.eq(id.as_str()))
        .filter(price_points::ts.ge(since))
        .order(price_points::ts.asc())
        .select((price_points::ts, price_points::price))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, price)| PricePoint { at, price })
        .collect::<Vec<_>>()
        .into())
}

/// Applies the retention policy at `now`. `last_pruned` (the `now` of the previous run)
/// bounds the work to points that aged into a tier since then.
pub fn prune(conn: &mut DbConnection, now: i64, last_pruned: Option<i64>) -> Result<(), DbError> {
    let mut sql = format!("DELETE FROM price_points WHERE ts < {};", now - KEEP_FOR);
    for (age, bucket) in TIERS {
        let cutoff = now - age;
        // Points that were younger than the tier at the last run; one bucket earlier so a
        // bucket split across two runs is judged whole.
        let from = last_pruned.map_or(now - KEEP_FOR, |last| last - age - bucket);
        // Integers only, formatted by us: nothing here comes from outside. The range on
        // `earlier.ts` keeps the lookup on the primary key.
        sql.push_str(&format!(
            "DELETE FROM price_points WHERE ts >= {from} AND ts < {cutoff} AND EXISTS (\
               SELECT 1 FROM price_points AS earlier \
               WHERE earlier.coin_id = price_points.coin_id \
                 AND earlier.ts >= (price_points.ts / {bucket}) * {bucket} \
                 AND earlier.ts < price_points.ts);"
        ));
    }
    conn.transaction::<_, diesel::result::Error, _>(|conn| conn.batch_execute(&sql))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chassis::testing::TestDatabase;

    const NOW: i64 = 1_795_500_000;

    async fn database() -> (TestDatabase, chassis::db::DbPool) {
        let db = TestDatabase::new("history");
        let pool = chassis::db::connect_and_migrate(&db.url, crate::MIGRATIONS, 2)
            .await
            .expect("a database");
        (db, pool)
    }

    fn rows(id: &CoinId, from: i64, to: i64, step: i64) -> Vec<HistoryRow> {
        (0..)
            .map(|i| from + i * step)
            .take_while(|t| *t <= to)
            .map(|at| {
                HistoryRow::new(
                    id,
                    PricePoint {
                        at,
                        price: at as f64,
                    },
                )
            })
            .collect()
    }

    #[actix_web::test]
    async fn retention_thins_history_with_age_on_either_backend() {
        let (_db, pool) = database().await;
        let id = CoinId::parse("bitcoin").expect("id");
        let mut all = rows(&id, NOW - 60 * DAY, NOW, 600);
        all.push(HistoryRow::new(
            &id,
            PricePoint {
                at: NOW - 401 * DAY,
                price: 1.0,
            },
        ));
        let id2 = id.clone();
        let counts = pool
            .run(move |conn| {
                let added = append(conn, &all)?;
                let again = append(conn, &all[..10])?;
                prune(conn, NOW, None)?;
                let kept = read(conn, &id2, NOW - 500 * DAY)?;
                Ok((added, again, kept))
            })
            .await
            .expect("the queries run");
        let (added, again, kept) = counts;
        assert_eq!(again, 0, "a stored moment is not added twice");
        assert!(added > 8000);
        let points = kept.points();
        let count =
            |from: i64, to: i64| points.iter().filter(|p| p.at >= from && p.at < to).count() as i64;
        assert_eq!(
            count(NOW - 2 * DAY + 1, NOW + 1),
            2 * 144,
            "every point of the last two days"
        );
        let hourly = count(NOW - 35 * DAY, NOW - 2 * DAY);
        assert!(
            (33 * 24 - 1..=33 * 24 + 1).contains(&hourly),
            "one an hour up to 35 days: {hourly}"
        );
        let daily = count(NOW - 61 * DAY, NOW - 35 * DAY);
        assert!((25..=27).contains(&daily), "one a day beyond: {daily}");
        assert_eq!(
            count(i64::MIN, NOW - 400 * DAY),
            0,
            "nothing older than 400 days"
        );

        // A later run only looks at what aged since, and keeps the thinned points thinned.
        let id3 = id.clone();
        let after = pool
            .run(move |conn| {
                prune(conn, NOW + 3600, Some(NOW))?;
                read(conn, &id3, NOW - 500 * DAY)
            })
            .await
            .expect("the queries run");
        assert!(after.points().len() < points.len());
        assert!(after.points().len() >= points.len() - 6);
    }

    #[test]
    fn tiers_get_coarser_with_age() {
        assert!(TIERS.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert!(TIERS.iter().all(|(age, _)| *age < KEEP_FOR));
    }
}
