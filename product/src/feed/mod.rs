//! The market data feed: sources, the in-memory snapshot pages read, the coin list, the
//! refresher that keeps them current within the provider's call budget, and what is fetched
//! on demand: charts for longer ranges and coins outside the ranked set.

pub mod charts;
pub mod coingecko;
pub mod demo;
mod leadership;
pub mod ledger;
pub mod live;
pub mod long_tail;
pub mod rates;
mod refresher;
mod source;

pub use charts::{ChartData, Charts};
pub use ledger::CallLedger;
pub use live::LiveMarket;
pub use long_tail::{LongTail, LongTailCoin};
pub use source::{FetchError, MarketSource};

use crate::config::MarketConfig;
use crate::logos::Logos;
use crate::market::{CoinDirectory, Snapshot, SourceKind};
use crate::store;
use arc_swap::ArcSwap;
use chassis::db::DbPool;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// What the feed is doing, for operators and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedStatus {
    /// Whether this process is the one that refreshes.
    pub leader: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub consecutive_failures: u32,
    /// When the leader will next poll the upstream (unix seconds).
    pub next_attempt_at: Option<i64>,
}

/// Closed while the upstream has asked us to wait (HTTP 429 with `Retry-After`); shared by the
/// refresher and on-demand chart fetches.
#[derive(Debug, Default)]
pub struct UpstreamGate {
    closed_until: AtomicI64,
}

impl UpstreamGate {
    pub fn close_until(&self, until: i64) {
        self.closed_until.fetch_max(until, Ordering::Relaxed);
    }

    pub fn is_closed(&self, now: i64) -> bool {
        now < self.closed_until.load(Ordering::Relaxed)
    }
}

/// The feed of one process: the live snapshot, charts, and the refresher task.
pub struct Feed {
    live: Arc<LiveMarket>,
    directory: Arc<ArcSwap<CoinDirectory>>,
    charts: Arc<Charts>,
    long_tail: LongTail,
    ledger: Arc<CallLedger>,
    logos: Arc<Logos>,
    status: Arc<Mutex<FeedStatus>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Feed {
    /// Loads the last stored snapshot (so pages work before the first refresh) and starts the
    /// refresher on the current runtime.
    pub async fn start(pool: DbPool, config: &MarketConfig) -> Result<Self, String> {
        let source: Arc<dyn MarketSource> = match config.source {
            SourceKind::CoinGecko => Arc::new(coingecko::CoinGecko::new(&config.coingecko)?),
            SourceKind::Demo => Arc::new(demo::Demo::new()),
        };
        Self::start_with_source(pool, config, source).await
    }

    /// As [`Feed::start`], with any source.
    pub async fn start_with_source(
        pool: DbPool,
        config: &MarketConfig,
        source: Arc<dyn MarketSource>,
    ) -> Result<Self, String> {
        let stored = pool
            .run(crate::store::snapshot::load)
            .await
            .map_err(|e| format!("cannot load the stored market snapshot: {e}"))?;
        if let Some(snapshot) = &stored {
            log::info!(version = snapshot.version(), coins = snapshot.coins().len(); "loaded the stored market snapshot");
        }
        let initial = stored.unwrap_or_else(|| Snapshot::empty(config.source));
        let list = pool
            .run(|conn| {
                let at = store::refresh_log::last_successes(conn)?
                    .get(&crate::budget::RefreshKind::CoinList.key())
                    .copied();
                Ok((store::coin_list::load(conn)?, at))
            })
            .await
            .map_err(|e| format!("cannot load the stored coin list: {e}"))?;
        let directory = Arc::new(ArcSwap::from_pointee(CoinDirectory::new(list.0, list.1)));
        let live = Arc::new(LiveMarket::new(initial, config.source, config.stale_after));
        let kind = source.kind();
        match pool
            .run(move |conn| crate::store::rates::load(conn, kind))
            .await
        {
            Ok(Some(rates)) => live.publish_rates(Arc::new(rates)),
            Ok(None) => {}
            // Pages fall back to dollars until the refresher fetches them.
            Err(err) => log::warn!("could not load the stored exchange rates: {err}"),
        }
        let logos = Arc::new(Logos::load(pool.clone(), &config.logos).await?);
        logos.install_own(source.own_logos()).await;
        let gate = Arc::new(UpstreamGate::default());
        let status = Arc::new(Mutex::new(FeedStatus::default()));
        let plan = config.plan();
        match config.source {
            SourceKind::CoinGecko => {
                log::info!(source = config.source.as_str(); "market data plan: {}", plan.describe());
            }
            // The demo's calls cost nothing: its budget never binds, and saying it would mislead.
            SourceKind::Demo => log::info!(
                source = config.source.as_str();
                "market data plan: demo feed, no provider budget; top page every {}s, pages 2-{} every {}s",
                plan.top_interval.as_secs(),
                plan.pages,
                plan.rest_interval.as_secs()
            ),
        }
        let ledger = Arc::new(CallLedger::new(pool.clone(), plan));
        let charts = Charts::new(
            pool.clone(),
            Arc::clone(&source),
            Arc::clone(&gate),
            Arc::clone(&ledger),
        );
        let long_tail = LongTail::new(
            pool.clone(),
            Arc::clone(&source),
            Arc::clone(&gate),
            Arc::clone(&ledger),
        );
        let refresher = refresher::Refresher {
            pool,
            source,
            live: Arc::clone(&live),
            directory: Arc::clone(&directory),
            status: Arc::clone(&status),
            gate,
            ledger: Arc::clone(&ledger),
            logos: Arc::clone(&logos),
            top_coins: config.top_coins,
        };
        let task = tokio::spawn(refresher.run());
        tokio::spawn(report_data_age(Arc::downgrade(&live)));
        Ok(Self {
            live,
            directory,
            long_tail,
            ledger,
            logos,
            charts,
            status,
            task: Mutex::new(Some(task)),
        })
    }

    pub fn live(&self) -> &Arc<LiveMarket> {
        &self.live
    }

    pub fn charts(&self) -> &Arc<Charts> {
        &self.charts
    }

    /// Every coin the provider knows, for search and for telling a real coin from a typo.
    pub fn directory(&self) -> Arc<CoinDirectory> {
        self.directory.load_full()
    }

    /// Coins outside the ranked set, fetched on demand.
    pub fn long_tail(&self) -> &LongTail {
        &self.long_tail
    }

    /// Coin logos: which coin has one, and their bytes.
    pub fn logos(&self) -> &Arc<Logos> {
        &self.logos
    }

    /// The call budget's ledger and plan.
    pub fn ledger(&self) -> &Arc<CallLedger> {
        &self.ledger
    }

    pub fn status(&self) -> FeedStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Stops the refresher; pages keep serving the last snapshot. A leader gives up its lock.
    pub fn stop(&self) {
        if let Ok(mut task) = self.task.lock()
            && let Some(task) = task.take()
        {
            task.abort();
        }
    }
}

/// Reports the age of the snapshot this replica serves, for the staleness alarm, until the
/// feed is gone.
async fn report_data_age(live: std::sync::Weak<LiveMarket>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(15));
    loop {
        every.tick().await;
        let Some(live) = live.upgrade() else { return };
        if let Some(as_of) = live.snapshot().as_of() {
            let age = (shared_ui::format::now_unix() - as_of).max(0);
            chassis::metrics::record_market_data_age(age as f64);
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop();
    }
}
