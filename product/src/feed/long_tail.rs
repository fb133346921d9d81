//! Coins outside the ranked set, fetched on demand (`/coins/markets?ids=…`), kept in the
//! database with their own as-of time, and fetched again when a visitor asks after the time
//! to live: on the coin's page, or on a watchlist that holds it, where every stale coin of
//! the list comes in one call. Each fetch takes a call from the long-tail share of the budget; when the share
//! is spent, or the provider asks us to wait, the kept figures stand, however old.

use super::ledger::CallLedger;
use super::{MarketSource, UpstreamGate};
use crate::budget::Purpose;
use crate::market::{Coin, CoinId, ListedCoin};
use crate::store;
use chassis::db::DbPool;
use shared_ui::format::now_unix;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// Kept figures are fetched again when older than this, if the budget allows.
pub const TIME_TO_LIVE_SECS: i64 = 15 * 60;
/// The most ids one `/coins/markets?ids=` call answers (one page of 250).
pub const IDS_PER_CALL: usize = 250;
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
        self.coins(std::slice::from_ref(listed))
            .await
            .pop()
            .unwrap_or(LongTailCoin::Unpriced)
    }

    /// The figures of each of `listed`, in its order, as [`Self::coin`] gives them, with the
    /// stale ones fetched together: one call per [`IDS_PER_CALL`] coins, so a watchlist of
    /// coins outside the ranked set costs one call however many it holds.
    pub async fn coins(&self, listed: &[ListedCoin]) -> Vec<LongTailCoin> {
        let now = now_unix();
        let ids: Vec<CoinId> = listed.iter().map(|c| c.id.clone()).collect();
        let mut known: HashMap<CoinId, (Coin, i64)> = match self
            .pool
            .run(move |conn| store::long_tail::get_many(conn, &ids))
            .await
        {
            Ok(kept) => kept
                .into_iter()
                .map(|(coin, at)| (coin.id.clone(), (coin, at)))
                .collect(),
            Err(err) => {
                log::warn!("kept long-tail figures unavailable: {err}");
                HashMap::new()
            }
        };
        let stale: Vec<CoinId> = listed
            .iter()
            .filter(|c| {
                known
                    .get(&c.id)
                    .is_none_or(|(_, at)| now - at >= TIME_TO_LIVE_SECS)
            })
            .map(|c| c.id.clone())
            .collect();
        for batch in stale.chunks(IDS_PER_CALL) {
            if self.gate.is_closed(now) {
                break;
            }
            if let Err(refusal) = self.ledger.take_on_demand(Purpose::LongTailCoin, now).await {
                log::info!(coins = batch.len(); "long-tail coins not fetched: {refusal}");
                break;
            }
            let Some(fetched) = self.fetch(batch, now).await else {
                break;
            };
            known.extend(
                fetched
                    .into_iter()
                    .map(|coin| (coin.id.clone(), (coin, now))),
            );
        }
        listed
            .iter()
            .map(|c| match known.get(&c.id) {
                Some((coin, at)) => LongTailCoin::Priced {
                    coin: Box::new(coin.clone()),
                    as_of: *at,
                },
                None => LongTailCoin::Unpriced,
            })
            .collect()
    }

    /// Fetches `ids` in one call and keeps what came back; `None` when the call failed.
    async fn fetch(&self, ids: &[CoinId], now: i64) -> Option<Vec<Coin>> {
        let result = tokio::time::timeout(FETCH_TIMEOUT, self.source.coins(ids)).await;
        let coins = match result {
            Ok(Ok(coins)) => coins,
            Ok(Err(err)) => {
                chassis::metrics::record_upstream_call(Purpose::LongTailCoin.as_str(), "failure");
                if let Some(wait) = err.retry_after() {
                    self.gate
                        .close_until(now + i64::try_from(wait.as_secs()).unwrap_or(i64::MAX));
                }
                log::warn!(coins = ids.len(); "could not fetch long-tail coins: {err}");
                return None;
            }
            Err(_) => {
                chassis::metrics::record_upstream_call(Purpose::LongTailCoin.as_str(), "failure");
                log::warn!(coins = ids.len(); "fetching long-tail coins timed out");
                return None;
            }
        };
        chassis::metrics::record_upstream_call(Purpose::LongTailCoin.as_str(), "success");
        let asked: HashSet<&CoinId> = ids.iter().collect();
        let coins: Vec<Coin> = coins
            .into_iter()
            .filter(|coin| asked.contains(&coin.id))
            .map(|mut coin| {
                // Outside the ranked set, a rank from the source would only confuse the listing.
                coin.rank = None;
                coin
            })
            .collect();
        let kept = coins.clone();
        if let Err(err) = self
            .pool
            .run(move |conn| store::long_tail::put(conn, &kept, now))
            .await
        {
            log::warn!("could not keep long-tail coins: {err}");
        }
        Some(coins)
    }
}
