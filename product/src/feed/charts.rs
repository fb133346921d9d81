//! A coin's price chart for a range, from the best data at hand, without ever making the
//! request wait on the upstream:
//!
//! 1. for 7 days, the snapshot's own sparkline;
//! 2. the price history the refresher keeps, when it reaches back over the whole range;
//! 3. for 24 hours, else the tail of the sparkline;
//! 4. for 30 days and a year, else the chart cached from the source, fetched in the background on
//!    first demand and again when older than its time to live.
//!
//! Background fetches are deduplicated, spaced out, paused while the upstream asks us to
//! back off, and take their calls from the chart share of the budget, so visitors cannot
//! spend the API quota. When that share is spent for the month, a range without a cached
//! chart is drawn from the prices stored here, and the page says so.

use super::ledger::CallLedger;
use super::{MarketSource, UpstreamGate};
use crate::budget::Purpose;
use crate::market::{ChartRange, Coin, CoinId, PricePoint, Series};
use crate::store;
use crate::store::chart_cache::CachedChart;
use chassis::db::{DbError, DbPool};
use shared_ui::format::now_unix;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Cached charts are fetched again after this long.
fn time_to_live(range: ChartRange) -> i64 {
    match range {
        ChartRange::Day | ChartRange::Week | ChartRange::Month => 3600,
        ChartRange::Year => 12 * 3600,
    }
}

/// Cached charts not fetched for this long are deleted by the refresher's pruning.
pub const CACHE_KEEP_SECS: i64 = 3 * 86_400;
/// At most one background fetch per this many seconds per process.
const MIN_SECS_BETWEEN_FETCHES: i64 = 5;
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// Points kept per cached chart: far more than a chart's width needs.
const MAX_CACHED_POINTS: usize = 500;

/// What a chart can show now.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartData {
    Ready(Series),
    /// The month's chart share is spent: drawn from the prices stored here (the history the
    /// refresher keeps, else the 7-day sparkline), which may not cover the whole range.
    FromStoredPrices(Series),
    /// Nothing for this range yet; a fetch is on its way (or will be tried on a later visit).
    Pending,
}

pub struct Charts {
    pool: DbPool,
    source: Arc<dyn MarketSource>,
    gate: Arc<UpstreamGate>,
    ledger: Arc<CallLedger>,
    fetches: Mutex<Fetches>,
}

#[derive(Default)]
struct Fetches {
    in_flight: HashSet<(CoinId, ChartRange)>,
    last_started_at: Option<i64>,
}

impl Charts {
    pub fn new(
        pool: DbPool,
        source: Arc<dyn MarketSource>,
        gate: Arc<UpstreamGate>,
        ledger: Arc<CallLedger>,
    ) -> Arc<Self> {
        Arc::new(Self {
            pool,
            source,
            gate,
            ledger,
            fetches: Mutex::new(Fetches::default()),
        })
    }

    /// `coin`'s prices over `range`, ending at its current price. Seven days come straight
    /// from the snapshot's sparkline (no database read, so the default chart survives a
    /// database outage); 24 hours prefer the finer stored history.
    pub async fn chart(
        self: &Arc<Self>,
        coin: &Coin,
        range: ChartRange,
        as_of: i64,
    ) -> Result<ChartData, DbError> {
        let end = coin.last_updated.unwrap_or(as_of).min(as_of);
        let since = end - range.seconds();
        let finish = |series: Series| {
            starting_where_the_change_does(ending_at_price(series, coin, end), coin, range, end)
        };
        let sparkline = || finish(Series::hourly_ending_at(&coin.sparkline_7d, end).since(since));
        if range == ChartRange::Week {
            return Ok(ChartData::Ready(sparkline()));
        }
        let id = coin.id.clone();
        let history = match self
            .pool
            .run(move |conn| store::history::read(conn, &id, since))
            .await
        {
            Ok(history) => history,
            Err(err) if range.within_sparkline() => {
                log::warn!(coin = coin.id.as_str(); "price history unavailable; charting the sparkline: {err}");
                Series::default()
            }
            Err(err) => return Err(err),
        };
        if history.covers(since, range.seconds() / 20) && history.points().len() >= 8 {
            return Ok(ChartData::Ready(finish(history)));
        }
        if range.within_sparkline() {
            return Ok(ChartData::Ready(sparkline()));
        }
        let id = coin.id.clone();
        let cached = self
            .pool
            .run(move |conn| store::chart_cache::get(conn, &id, range))
            .await?;
        let needs_fetch = cached
            .as_ref()
            .is_none_or(|c| now_unix() - c.fetched_at >= time_to_live(range));
        if needs_fetch && self.ledger.share_spent(Purpose::Chart, now_unix()).await {
            if let Some(cached) = cached {
                return Ok(ChartData::Ready(ending_at_price(
                    cached.series.since(since),
                    coin,
                    end,
                )));
            }
            let stored = if history.points().len() >= 2 {
                history
            } else {
                sparkline()
            };
            return Ok(ChartData::FromStoredPrices(ending_at_price(
                stored, coin, end,
            )));
        }
        match cached {
            Some(cached) => {
                if needs_fetch {
                    self.fetch_in_background(coin.id.clone(), range);
                }
                Ok(ChartData::Ready(finish(cached.series.since(since))))
            }
            None => {
                self.fetch_in_background(coin.id.clone(), range);
                Ok(ChartData::Pending)
            }
        }
    }

    /// Starts fetching `range` of `id` unless that is already under way, another fetch began
    /// moments ago, or the upstream asked us to wait.
    fn fetch_in_background(self: &Arc<Self>, id: CoinId, range: ChartRange) {
        let now = now_unix();
        if self.gate.is_closed(now) {
            return;
        }
        {
            let Ok(mut fetches) = self.fetches.lock() else {
                return;
            };
            let too_soon = fetches
                .last_started_at
                .is_some_and(|at| now - at < MIN_SECS_BETWEEN_FETCHES);
            if too_soon || !fetches.in_flight.insert((id.clone(), range)) {
                return;
            }
            fetches.last_started_at = Some(now);
        }
        let charts = Arc::clone(self);
        tokio::spawn(async move {
            charts.fetch(&id, range).await;
            if let Ok(mut fetches) = charts.fetches.lock() {
                fetches.in_flight.remove(&(id, range));
            }
        });
    }

    async fn fetch(&self, id: &CoinId, range: ChartRange) {
        if let Err(refusal) = self.ledger.take_on_demand(Purpose::Chart, now_unix()).await {
            log::info!(coin = id.as_str(), range = range.as_str(); "price chart not fetched: {refusal}");
            return;
        }
        let result = tokio::time::timeout(FETCH_TIMEOUT, self.source.market_chart(id, range)).await;
        let series = match result {
            Ok(Ok(series)) => {
                chassis::metrics::record_upstream_call(Purpose::Chart.as_str(), "success");
                series.thinned(MAX_CACHED_POINTS)
            }
            Ok(Err(err)) => {
                chassis::metrics::record_upstream_call(Purpose::Chart.as_str(), "failure");
                if let Some(wait) = err.retry_after() {
                    self.gate.close_until(
                        now_unix() + i64::try_from(wait.as_secs()).unwrap_or(i64::MAX),
                    );
                }
                log::warn!(coin = id.as_str(), range = range.as_str(); "could not fetch a price chart: {err}");
                return;
            }
            Err(_) => {
                chassis::metrics::record_upstream_call(Purpose::Chart.as_str(), "failure");
                log::warn!(coin = id.as_str(), range = range.as_str(); "fetching a price chart timed out");
                return;
            }
        };
        let chart = CachedChart {
            series,
            fetched_at: now_unix(),
        };
        let id = id.clone();
        if let Err(err) = self
            .pool
            .run(move |conn| store::chart_cache::put(conn, &id, range, &chart))
            .await
        {
            log::warn!("could not cache a price chart: {err}");
        }
    }
}

/// Over 24 hours and 7 days, the series starting at the price the snapshot's 24h or 7d change
/// was measured from, exactly one range before `end`: the chart's change is then the change
/// the page shows above it, from one source, rather than the change since whichever sampled
/// point happens to come first.
fn starting_where_the_change_does(
    series: Series,
    coin: &Coin,
    range: ChartRange,
    end: i64,
) -> Series {
    let change = match range {
        ChartRange::Day => coin.change_24h,
        ChartRange::Week => coin.change_7d,
        ChartRange::Month | ChartRange::Year => None,
    };
    let (Some(price), Some(change)) = (coin.price, change) else {
        return series;
    };
    let factor = 1.0 + change / 100.0;
    if !(factor.is_finite() && factor > 0.0) || series.is_empty() {
        return series;
    }
    let start = end - range.seconds();
    let mut points: Vec<PricePoint> = series
        .points()
        .iter()
        .copied()
        .filter(|p| p.at > start)
        .collect();
    points.push(PricePoint {
        at: start,
        price: price / factor,
    });
    points.into()
}

/// The series with the coin's current price as its last point, so the chart ends where the
/// page's price is.
fn ending_at_price(series: Series, coin: &Coin, end: i64) -> Series {
    let Some(price) = coin.price else {
        return series;
    };
    // A point at or after the snapshot's moment is the page's price by another name.
    let mut points: Vec<PricePoint> = series.into();
    points.retain(|p| p.at < end);
    points.push(PricePoint { at: end, price });
    points.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::price_chart::PriceChart;

    #[test]
    fn a_day_chart_changes_by_the_24h_change_the_page_shows() {
        let mut coin = crate::market::coin::sample("bitcoin");
        coin.price = Some(95.78);
        coin.change_24h = Some(-4.22);
        let end = 1_795_500_000;
        // Hourly points whose first is not where the 24h change was measured from.
        let sampled = Series::hourly_ending_at(&[101.0, 99.0, 97.0, 96.0], end - 1800);
        let series = starting_where_the_change_does(
            ending_at_price(sampled, &coin, end),
            &coin,
            ChartRange::Day,
            end,
        );
        let points = series.points();
        assert_eq!(points.first().map(|p| p.at), Some(end - 86_400));
        assert_eq!(points.last().map(|p| (p.at, p.price)), Some((end, 95.78)));
        let chart =
            PriceChart::new(&series, ChartRange::Day, shared_ui::InCurrency::USD).expect("a chart");
        let change = chart.change_percent().expect("a change");
        assert!((change - -4.22).abs() < 1e-9, "{change}");
        assert!(chart.summary("Bitcoin").contains("down 4.22%"));
    }

    #[test]
    fn thirty_days_and_a_year_keep_their_own_first_point() {
        let mut coin = crate::market::coin::sample("bitcoin");
        coin.change_24h = Some(5.0);
        coin.change_7d = Some(5.0);
        let series = Series::hourly_ending_at(&[1.0, 2.0], 10_000_000);
        assert_eq!(
            starting_where_the_change_does(series.clone(), &coin, ChartRange::Month, 10_000_000),
            series
        );
    }
}
