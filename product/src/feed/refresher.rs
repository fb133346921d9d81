//! The refresher: one per deployment. Every replica runs this loop; the one that holds the
//! leadership lock makes the calls the plan schedules (each page of the ranked listing, the
//! global figures, the exchange rates, the coin list), one at a time, each counted against
//! the budget before it is made. It writes the snapshot, the price history and the coin
//! list, and prunes the history. The others follow: they load each new snapshot and coin
//! list from the database, and try the lock each time in case the leader went away.
//!
//! A failed call keeps what it would have replaced: the last good snapshot, or a page's last
//! good rows (those coins then show their own as-of time). It is retried after a jittered
//! backoff that honours `Retry-After` (see [`Schedule`]).

use super::leadership::{Leadership, REFRESHER_LOCK_KEY};
use super::ledger::CallLedger;
use super::live::LiveMarket;
use super::{FeedStatus, FetchError, MarketSource, UpstreamGate};
use crate::budget::{RefreshKind, Schedule};
use crate::market::{CoinDirectory, CoinId, MarketData, Snapshot};
use crate::store;
use crate::store::history::HistoryRow;
use arc_swap::ArcSwap;
use chassis::db::{DbError, DbPool};
use shared_ui::format::now_unix;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest one call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How often history is thinned.
const PRUNE_EVERY_SECS: i64 = 3600;
/// The longest the leader sleeps before checking its lock again.
const MAX_WAIT: Duration = Duration::from_secs(15);

pub struct Refresher {
    pub pool: DbPool,
    pub source: Arc<dyn MarketSource>,
    pub live: Arc<LiveMarket>,
    pub directory: Arc<ArcSwap<CoinDirectory>>,
    pub status: Arc<Mutex<FeedStatus>>,
    pub gate: Arc<UpstreamGate>,
    pub ledger: Arc<CallLedger>,
    pub logos: Arc<crate::logos::Logos>,
    /// `MARKET_TOP_COINS`.
    pub top_coins: u32,
}

#[derive(Debug, thiserror::Error)]
enum RefreshError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("timed out after {}s", CALL_TIMEOUT.as_secs())]
    TimedOut,
    #[error("could not store the answer: {0}")]
    Store(#[from] DbError),
}

impl RefreshError {
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Fetch(fetch) => fetch.retry_after(),
            _ => None,
        }
    }
}

/// What the leader keeps between calls.
struct Leading {
    schedule: Schedule,
    top_failures: u32,
    backfilled: bool,
}

impl Refresher {
    /// Runs until the task is dropped.
    pub async fn run(self) {
        let mut leadership = Leadership::new(self.pool.clone(), REFRESHER_LOCK_KEY);
        let follow_every =
            (self.ledger.plan().top_interval / 4).clamp(Duration::from_secs(1), MAX_WAIT);
        let mut leading: Option<Leading> = None;
        loop {
            let leader = leadership.check().await;
            if leader != leading.is_some() {
                if leader {
                    log::info!(source = self.source.kind().as_str(); "this instance now refreshes market data");
                    // Catch up with what the last leader wrote, and keep its schedule: a
                    // restart or a new leader does not call the provider early.
                    self.follow().await;
                    leading = Some(Leading {
                        schedule: self.stored_schedule().await,
                        top_failures: 0,
                        backfilled: false,
                    });
                } else {
                    log::warn!("this instance no longer refreshes market data");
                    leading = None;
                }
                self.set_status(|s| s.leader = leader);
            }
            let wait = match &mut leading {
                Some(state) => {
                    let now = now_unix();
                    if let Some(kind) = state.schedule.due_now(now) {
                        self.call(kind, now, state).await;
                    }
                    let now = now_unix();
                    let next = state.schedule.next_wake(now);
                    let top = state.schedule.due_at(RefreshKind::Markets { page: 1 });
                    self.set_status(|s| s.next_attempt_at = top);
                    match state.schedule.due_now(now) {
                        Some(_) => Duration::ZERO,
                        None => Duration::from_secs(u64::try_from(next - now).unwrap_or(1))
                            .min(MAX_WAIT),
                    }
                }
                None => {
                    self.follow().await;
                    self.follow_rates().await;
                    follow_every
                }
            };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// The schedule as the stored record of calls leaves it.
    async fn stored_schedule(&self) -> Schedule {
        let kind = self.source.kind();
        let stored = self
            .pool
            .run(move |conn| {
                // Another source's record says nothing about this one's data.
                if store::feed_state::read(conn)?.source != kind.as_str() {
                    return Ok(Default::default());
                }
                store::refresh_log::last_successes(conn)
            })
            .await
            .unwrap_or_default();
        let plan = self.ledger.plan().clone();
        Schedule::new(plan, now_unix(), |kind| stored.get(&kind.key()).copied())
    }

    /// Makes the call of `kind` at `now`, counted, and records what came of it.
    async fn call(&self, kind: RefreshKind, now: i64, state: &mut Leading) {
        self.ledger.count_scheduled(now).await;
        let result = match kind {
            RefreshKind::Markets { page } => self.markets_page(page, now, state).await,
            RefreshKind::Global => self.global().await,
            RefreshKind::CoinList => self.coin_list(now).await,
            RefreshKind::Rates => self.rates().await,
        };
        let outcome = match &result {
            Ok(()) => "success",
            Err(RefreshError::Fetch(FetchError::RateLimited { .. })) => "rate_limited",
            Err(_) => "failure",
        };
        chassis::metrics::record_upstream_call("scheduled", outcome);
        let retry_after = result.as_ref().err().and_then(RefreshError::retry_after);
        if let Some(wait) = retry_after {
            self.gate
                .close_until(now + secs(wait.min(crate::budget::MAX_RETRY_AFTER)));
        }
        state.schedule.record(
            kind,
            now,
            result.is_ok(),
            retry_after,
            rand::random::<f64>(),
        );
        let error = result.as_ref().err().map(ToString::to_string);
        let key = kind.key();
        if let Err(err) = self
            .pool
            .run({
                let error = error.clone();
                move |conn| store::refresh_log::record(conn, &key, now, error.as_deref())
            })
            .await
        {
            log::warn!("could not record a call to the provider: {err}");
        }
        let top = kind == RefreshKind::Markets { page: 1 };
        match error {
            None if top => {
                chassis::metrics::record_market_refresh("success");
                state.top_failures = 0;
                self.set_status(|s| s.consecutive_failures = 0);
            }
            None => {}
            Some(message) => {
                if top {
                    chassis::metrics::record_market_refresh("failure");
                    state.top_failures = state.top_failures.saturating_add(1);
                }
                let retry_in = state.schedule.due_at(kind).map_or(0, |at| at - now);
                log::warn!(
                    call = kind.key().as_str(), retry_in_secs = retry_in;
                    "market data call failed; keeping the last good data: {message}"
                );
                self.record_error(kind, &message, now, top.then_some(state.top_failures))
                    .await;
            }
        }
    }

    /// The ranks page `page` covers.
    fn ranks(&self, page: u32) -> std::ops::RangeInclusive<u32> {
        let per_page = self.per_page();
        let first = (page - 1) * per_page + 1;
        first..=(page * per_page).min(self.top_coins)
    }

    fn per_page(&self) -> u32 {
        self.top_coins.min(super::coingecko::PER_PAGE)
    }

    async fn markets_page(
        &self,
        page: u32,
        now: i64,
        state: &mut Leading,
    ) -> Result<(), RefreshError> {
        let per_page = self.per_page();
        let fetched = timed(self.source.markets_page(page, per_page)).await;
        let previous = self.live.snapshot();
        let mut fresh = match fetched {
            Ok(fresh) => fresh,
            Err(err) => {
                // Not the top page: its coins keep their rows and say from when.
                if page > 1
                    && let Some(data) =
                        previous.with_page_kept(self.ranks(page), previous.as_of().unwrap_or(now))
                {
                    self.save(data, now).await?;
                }
                return Err(err);
            }
        };
        let kept = fresh.keep_last_good_from(&previous);
        if kept > 0 {
            log::warn!(coins = kept, page = page; "kept the last good figures of coins the upstream sent incomplete or unreadable");
        }
        let data = previous.with_page(self.ranks(page), fresh, page == 1);
        let snapshot = self.save(data, now).await?;
        // Off the request path and outside the API budget: see `crate::logos`.
        self.logos.refresh_in_background(&snapshot);
        let history: Vec<HistoryRow> = snapshot
            .coins()
            .iter()
            .filter(|c| c.rank.is_some_and(|r| self.ranks(page).contains(&r)))
            .filter_map(|coin| {
                let price = coin.price?;
                let at = coin.last_updated.unwrap_or(now).min(now);
                Some(HistoryRow::new(
                    &coin.id,
                    crate::market::PricePoint { at, price },
                ))
            })
            .collect();
        // History is secondary: a failure here is logged, and the snapshot stands. The
        // backfill goes first: it fills from each coin's newest stored point up to now.
        if !state.backfilled {
            state.backfilled = true;
            let ids = snapshot.coins().iter().map(|c| c.id.clone()).collect();
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

    async fn global(&self) -> Result<(), RefreshError> {
        let Some(global) = timed(self.source.global()).await? else {
            return Ok(());
        };
        let data = self.live.snapshot().with_global(global);
        self.save(data, now_unix()).await?;
        Ok(())
    }

    /// The exchange rates: one call covers every currency, so a currency costs no market
    /// calls. Stored for the other replicas (see [`super::rates`]) and made current.
    async fn rates(&self) -> Result<(), RefreshError> {
        let rates = timed(self.source.exchange_rates()).await?;
        let kind = self.source.kind();
        let stored = rates.clone();
        self.pool
            .run(move |conn| store::rates::save(conn, kind, &stored))
            .await?;
        log::info!("exchange rates refreshed");
        self.live.publish_rates(Arc::new(rates));
        Ok(())
    }

    async fn coin_list(&self, now: i64) -> Result<(), RefreshError> {
        let coins = timed(self.source.coin_list()).await?;
        let count = coins.len();
        let coins = self
            .pool
            .run(move |conn| store::coin_list::replace(conn, &coins).map(|()| coins))
            .await?;
        self.directory
            .store(Arc::new(CoinDirectory::new(coins, Some(now))));
        log::info!(coins = count; "coin list refreshed");
        Ok(())
    }

    /// Stores `data` as the next snapshot and makes it current.
    async fn save(&self, data: MarketData, now: i64) -> Result<Arc<Snapshot>, RefreshError> {
        let kind = self.source.kind();
        let (generation, data) = self
            .pool
            .run(move |conn| Ok((store::snapshot::save(conn, kind, &data, now)?, data)))
            .await?;
        let snapshot = Snapshot::new(generation, kind, data);
        log::info!(coins = snapshot.coins().len(), version = generation; "market snapshot refreshed");
        self.live.publish(snapshot);
        Ok(self.live.snapshot())
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

    /// Loads the stored snapshot if it is newer than the one in memory, and the coin list if
    /// the leader fetched a newer one.
    async fn follow(&self) {
        let known = self.live.snapshot().version();
        let known_list = self.directory.load().fetched_at();
        let result = self
            .pool
            .run(move |conn| {
                let snapshot = if store::snapshot::generation(conn)? <= known {
                    None
                } else {
                    store::snapshot::load(conn)?
                };
                let list_at = store::refresh_log::last_successes(conn)?
                    .get(&RefreshKind::CoinList.key())
                    .copied();
                let list = match list_at {
                    Some(at) if Some(at) > known_list => {
                        Some(CoinDirectory::new(store::coin_list::load(conn)?, Some(at)))
                    }
                    _ => None,
                };
                Ok((snapshot, list))
            })
            .await;
        match result {
            Ok((snapshot, list)) => {
                if let Some(snapshot) = snapshot {
                    self.live.publish(snapshot);
                }
                if let Some(list) = list {
                    self.directory.store(Arc::new(list));
                }
            }
            Err(err) => log::warn!("could not check for newer market data: {err}"),
        }
        self.logos.follow().await;
    }

    async fn record_error(&self, kind: RefreshKind, message: &str, at: i64, top: Option<u32>) {
        if let Some(failures) = top {
            self.set_status(|s| {
                s.last_error = Some(message.to_owned());
                s.last_error_at = Some(at);
                s.consecutive_failures = failures;
            });
        }
        let message = format!("{}: {message}", kind.key());
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

/// `call`, failed if it takes longer than [`CALL_TIMEOUT`].
async fn timed<T>(
    call: impl std::future::Future<Output = Result<T, FetchError>>,
) -> Result<T, RefreshError> {
    Ok(tokio::time::timeout(CALL_TIMEOUT, call)
        .await
        .map_err(|_| RefreshError::TimedOut)??)
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}
