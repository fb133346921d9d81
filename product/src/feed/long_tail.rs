//! Coins outside the ranked set, fetched on demand (`/coins/markets?ids=…`), kept in the
//! database with their own as-of time, and fetched again when a visitor asks after the time
//! to live. Each fetch takes a call from the long-tail share of the budget; when the share
//! is spent, or the provider asks us to wait, the kept figures stand, however old.

use super::ledger::CallLedger;
use super::{MarketSource, UpstreamGate};
use crate::budget::Purpose;
use crate::market::{Coin, ListedCoin};
use crate::store;
use chassis::db::DbPool;
use shared_ui::format::now_unix;
use std::sync::Arc;
use std::time::Duration;

/// Kept figures are fetched again when older than this, if the budget allows.
pub const TIME_TO_LIVE_SECS: i64 = 15 * 60;
/// A visitor waits at most this long for a long-tail coin.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// What the product knows of a coin outside the ranked set.
#[derive(Debug, Clone)]
pub enum LongTailCoin {
    /// Its figures, as of `as_of` (unix seconds).
    Priced { coin: Box<Coin>, as_of: i64 },
    /// The coin exists, but no figures could be had (none kept, and no call could be made or
    /// it failed).
    Unpriced,
}

pub struct LongTail {
    pool: DbPool,
    source: Arc<dyn MarketSource>,
    gate: Arc<UpstreamGate>,
    ledger: Arc<CallLedger>,
}

impl LongTail {
    pub fn new(
        pool: DbPool,
        source: Arc<dyn MarketSource>,
        gate: Arc<UpstreamGate>,
        ledger: Arc<CallLedger>,
    ) -> Self {
        Self {
            pool,
            source,
            gate,
            ledger,
        }
    }

    /// `listed`'s figures: kept ones while fresh, else fetched if the budget allows, else
    /// kept ones however old.
    pub async fn coin(&self, listed: &ListedCoin) -> LongTailCoin {
        let now = now_unix();
        let id = listed.id.clone();
        let kept = match self
            .pool
            .run(move |conn| store::long_tail::get(conn, &id))
            .await
        {
            Ok(kept) => kept,
            Err(err) => {
                log::warn!(coin = listed.id.as_str(); "kept long-tail figures unavailable: {err}");
                None
            }
        };
        let kept = kept.map(|(coin, at)| LongTailCoin::Priced {
            coin: Box::new(coin),
            as_of: at,
        });
        let fresh_enough = matches!(&kept, Some(LongTailCoin::Priced { as_of, .. }) if now - as_of < TIME_TO_LIVE_SECS);
        if fresh_enough || self.gate.is_closed(now) {
            return kept.unwrap_or(LongTailCoin::Unpriced);
        }
        if let Err(refusal) = self.ledger.take_on_demand(Purpose::LongTailCoin, now).await {
            log::info!(coin = listed.id.as_str(); "long-tail coin not fetched: {refusal}");
            return kept.unwrap_or(LongTailCoin::Unpriced);
        }
        match self.fetch(listed, now).await {
            Some(fetched) => fetched,
            None => kept.unwrap_or(LongTailCoin::Unpriced),
        }
    }

    async fn fetch(&self, listed: &ListedCoin, now: i64) -> Option<LongTailCoin> {
        let ids = std::slice::from_ref(&listed.id);
        let result = tokio::time::timeout(FETCH_TIMEOUT, self.source.coins(ids)).await;
        let coins = match result {
            Ok(Ok(coins)) => coins,
            Ok(Err(err)) => {
                chassis::metrics::record_upstream_call(Purpose::LongTailCoin.as_str(), "failure");
                if let Some(wait) = err.retry_after() {
                    self.gate
                        .close_until(now + i64::try_from(wait.as_secs()).unwrap_or(i64::MAX));
                }
                log::warn!(coin = listed.id.as_str(); "could not fetch a long-tail coin: {err}");
                return None;
            }
            Err(_) => {
                chassis::metrics::record_upstream_call(Purpose::LongTailCoin.as_str(), "failure");
                log::warn!(coin = listed.id.as_str(); "fetching a long-tail coin timed out");
                return None;
            }
        };
        chassis::metrics::record_upstream_call(Purpose::LongTailCoin.as_str(), "success");
        let mut coin = coins.into_iter().find(|c| c.id == listed.id)?;
        // Outside the ranked set, a rank from the source would only confuse the listing.
        coin.rank = None;
        let kept = coin.clone();
        if let Err(err) = self
            .pool
            .run(move |conn| store::long_tail::put(conn, std::slice::from_ref(&kept), now))
            .await
        {
            log::warn!("could not keep a long-tail coin: {err}");
        }
        Some(LongTailCoin::Priced {
            coin: Box::new(coin),
            as_of: now,
        })
    }
}
