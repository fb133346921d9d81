//! The refresher: one per deployment. Every replica runs this loop; the one that holds the
//! leadership lock polls the source on the configured interval, writes the snapshot and the
//! price history, and prunes the history. The others follow: they load each new snapshot
//! from the database, and try the lock each time in case the leader went away.
//!
//! A failed refresh keeps the last good snapshot, records the error, and retries after a
//! jittered exponential backoff that honours `Retry-After`.
//!
//! Exchange rates have a schedule of their own (see [`super::rates`]).

use super::backoff::Backoff;
use super::leadership::{Leadership, REFRESHER_LOCK_KEY};
use super::live::LiveMarket;
use super::{FeedStatus, FetchError, MarketSource, UpstreamGate};
use crate::market::{CoinId, Snapshot};
use crate::store;
use crate::store::history::HistoryRow;
use chassis::db::{DbError, DbPool};
use shared_ui::format::now_unix;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest a whole refresh may take before it counts as failed.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(60);
/// How often history is thinned.
const PRUNE_EVERY_SECS: i64 = 3600;

pub struct Refresher {
    pub pool: DbPool,
    pub source: Arc<dyn MarketSource>,
    pub live: Arc<LiveMarket>,
    pub status: Arc<Mutex<FeedStatus>>,
    pub gate: Arc<UpstreamGate>,
    pub interval: Duration,
}

#[derive(Debug, thiserror::Error)]
enum RefreshError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("timed out after {}s", REFRESH_TIMEOUT.as_secs())]
    TimedOut,
    #[error("could not store the snapshot: {0}")]
    Store(#[from] DbError),
}

impl Refresher {
    /// Runs until the task is dropped.
    pub async fn run(self) {
        let mut leadership = Leadership::new(self.pool.clone(), REFRESHER_LOCK_KEY);
        let backoff = Backoff::for_interval(self.interval);
        let follow_every =
            (self.interval / 4).clamp(Duration::from_secs(1), Duration::from_secs(30));
        let mut leading = false;
        let mut failures: u32 = 0;
        let mut next_refresh_at: i64 = 0;
        let mut backfilled = false;
        let mut rates_due_at: i64 = 0;
        loop {
            let leader = leadership.check().await;
            if leader != leading {
                if leader {
                    log::info!(source = self.source.kind().as_str(); "this instance now refreshes market data");
                    // Catch up with what the last leader wrote, and keep its schedule: a
                    // restart or a new leader does not poll the upstream early.
                    self.follow().await;
                    next_refresh_at = self.next_after_last_success().await;
                    rates_due_at = self.rates_due_at().await;
                } else {
                    log::warn!("this instance no longer refreshes market data");
                }
                leading = leader;
                self.set_status(|s| s.leader = leader);
            }
            let wait = if leader {
                // Exchange rates: on their own schedule (see `rates`); first, because one call
                // is quick, and a first market refresh also fills the history.
                if now_unix() >= rates_due_at {
                    rates_due_at = self.refresh_rates(now_unix()).await;
                }
                let now = now_unix();
                if now >= next_refresh_at {
                    match self.refresh(now, &mut backfilled).await {
                        Ok(()) => {
                            chassis::metrics::record_market_refresh("success");
                            failures = 0;
                            next_refresh_at = now + secs(self.interval);
                            self.set_status(|s| {
                                s.consecutive_failures = 0;
                                s.next_attempt_at = Some(next_refresh_at);
                            });
                        }
                        Err(err) => {
                            chassis::metrics::record_market_refresh("failure");
                            failures = failures.saturating_add(1);
                            let retry_after = match &err {
                                RefreshError::Fetch(fetch) => fetch.retry_after(),
                                _ => None,
                            };
                            if let Some(wait) = retry_after {
                                self.gate.close_until(
                                    now + secs(wait.min(super::backoff::MAX_RETRY_AFTER)),
                                );
                            }
                            let delay = backoff.delay(failures, retry_after, rand::random::<f64>());
                            next_refresh_at = now + secs(delay).max(1);
                            log::warn!(
                                failures = failures, retry_in_secs = next_refresh_at - now;
                                "market refresh failed; keeping the last good snapshot: {err}"
                            );
                            self.record_error(&err.to_string(), now, failures, next_refresh_at)
                                .await;
                        }
                    }
                }
                Duration::from_secs(
                    u64::try_from(next_refresh_at - now_unix())
                        .unwrap_or(0)
                        .max(1),
                )
                .min(self.interval.max(Duration::from_secs(1)))
            } else {
                self.follow().await;
                self.follow_rates().await;
                follow_every
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn refresh(&self, now: i64, backfilled: &mut bool) -> Result<(), RefreshError> {
        let mut data = tokio::time::timeout(REFRESH_TIMEOUT, self.source.markets())
            .await
            .map_err(|_| RefreshError::TimedOut)??;
        let kept = data.keep_last_good_from(&self.live.snapshot());
        if kept > 0 {
            log::warn!(coins = kept; "kept the last good figures of coins the upstream sent incomplete or unreadable");
        }
        let kind = self.source.kind();
        let (generation, data) = self
            .pool
            .run(move |conn| Ok((store::snapshot::save(conn, kind, &data, now)?, data)))
            .await?;
        let snapshot = Snapshot::new(generation, kind, data);
        let history: Vec<HistoryRow> = snapshot
            .coins()
            .iter()
            .filter_map(|coin| {
                let price = coin.price?;
                let at = coin.last_updated.unwrap_or(now).min(now);
                Some(HistoryRow::new(
                    &coin.id,
                    crate::market::PricePoint { at, price },
                ))
            })
            .collect();
        let ids: Vec<CoinId> = snapshot.coins().iter().map(|c| c.id.clone()).collect();
        log::info!(coins = snapshot.coins().len(), version = generation; "market snapshot refreshed");
        self.live.publish(snapshot);

        // History is secondary: a failure here is logged, and the snapshot stands. The
        // backfill goes first: it fills from each coin's newest stored point up to now.
        if !*backfilled {
            *backfilled = true;
            self.backfill(ids, now).await;
        }
        if let Err(err) = self
            .pool
            .run(move |conn| store::history::append(conn, &history))
            .await
        {
            log::warn!("could not append price history: {err}");
        }
        self.prune_if_due(now).await;
        Ok(())
    }

    /// Fills history the source can give for free (the demo's past), from each coin's newest
    /// stored point on.
    async fn backfill(&self, ids: Vec<CoinId>, now: i64) {
        let source = Arc::clone(&self.source);
        let result = self
            .pool
            .run(move |conn| {
                let latest = store::history::latest_per_coin(conn)?;
                let wanted: Vec<(CoinId, Option<i64>)> = ids
                    .into_iter()
                    .map(|id| {
                        let after = latest.get(id.as_str()).copied();
                        (id, after)
                    })
                    .collect();
                let rows: Vec<HistoryRow> = source
                    .backfill(&wanted, now)
                    .iter()
                    .map(|(id, point)| HistoryRow::new(id, *point))
                    .collect();
                store::history::append(conn, &rows)
            })
            .await;
        match result {
            Ok(0) => {}
            Ok(added) => log::info!(points = added; "price history backfilled"),
            Err(err) => log::warn!("could not backfill price history: {err}"),
        }
    }

    async fn prune_if_due(&self, now: i64) {
        let result = self
            .pool
            .run(move |conn| {
                let last = store::feed_state::read(conn)?.history_pruned_at;
                if last.is_some_and(|last| now - last < PRUNE_EVERY_SECS) {
                    return Ok(false);
                }
                store::history::prune(conn, now, last)?;
                store::chart_cache::delete_fetched_before(
                    conn,
                    now - super::charts::CACHE_KEEP_SECS,
                )?;
                store::feed_state::record_pruned(conn, now)?;
                Ok(true)
            })
            .await;
        match result {
            Ok(true) => log::info!("price history pruned"),
            Ok(false) => {}
            Err(err) => log::warn!("could not prune price history: {err}"),
        }
    }

    /// Loads the stored snapshot if it is newer than the one in memory.
    async fn follow(&self) {
        let known = self.live.snapshot().version();
        let result = self
            .pool
            .run(move |conn| {
                if store::snapshot::generation(conn)? <= known {
                    return Ok(None);
                }
                store::snapshot::load(conn)
            })
            .await;
        match result {
            Ok(Some(snapshot)) => self.live.publish(snapshot),
            Ok(None) => {}
            Err(err) => log::warn!("could not check for a newer market snapshot: {err}"),
        }
    }

    /// When the next refresh is due after the last stored success: now if there was none, or
    /// if it came from another source.
    async fn next_after_last_success(&self) -> i64 {
        let kind = self.source.kind();
        let interval = secs(self.interval);
        self.pool
            .run(move |conn| {
                let record = store::feed_state::read(conn)?;
                Ok(match record.last_success_at {
                    Some(at) if record.source == kind.as_str() => at + interval,
                    _ => 0,
                })
            })
            .await
            .unwrap_or(0)
    }

    async fn record_error(&self, message: &str, at: i64, failures: u32, next_attempt_at: i64) {
        self.set_status(|s| {
            s.last_error = Some(message.to_owned());
            s.last_error_at = Some(at);
            s.consecutive_failures = failures;
            s.next_attempt_at = Some(next_attempt_at);
        });
        let message = message.to_owned();
        if let Err(err) = self
            .pool
            .run(move |conn| store::feed_state::record_error(conn, &message, at))
            .await
        {
            log::warn!("could not record the feed error: {err}");
        }
    }

    fn set_status(&self, change: impl FnOnce(&mut FeedStatus)) {
        if let Ok(mut status) = self.status.lock() {
            change(&mut status);
        }
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}
