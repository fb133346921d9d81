//! The demo source: offline and deterministic. Each coin's price is a fixed function of time
//! (slow and fast waves plus hashed noise around a plausible level), so the same moment
//! always shows the same price, history is consistent with the present, and every chart
//! range has data without a network.
//!
//! The well-known coins lead a market of a few thousand (see [`coins`]): pages of the ranked
//! listing, a coin list, and long-tail coins on demand all answer as CoinGecko's would.

mod coins;
mod logos;

use crate::feed::{FetchError, MarketSource};
use crate::market::{
    ChartRange, Coin, CoinId, ExchangeRates, Extreme, GlobalFigures, ListedCoin, MarketData,
    PricePoint, Series, SourceKind,
};
use coins::{COINS, DemoCoin};
use futures_util::future::BoxFuture;
use shared_ui::Currency;
use std::collections::HashSet;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// How far back the demo's history and all-time figures reach.
const HISTORY_DAYS: i64 = 366;
const ALL_TIME_DAYS: i64 = 3 * 365;

#[derive(Debug, Default)]
pub struct Demo;

impl Demo {
    pub fn new() -> Self {
        Self
    }

    /// The market at `now`: every coin, ranked by market cap.
    pub fn market_at(&self, now: i64) -> MarketData {
        let mut coins: Vec<Coin> = COINS
            .iter()
            .filter_map(|c| Model::new(c).coin_at(now))
            .collect();
        coins.sort_by(|a, b| {
            b.market_cap
                .unwrap_or(0.0)
                .total_cmp(&a.market_cap.unwrap_or(0.0))
        });
        for (i, coin) in coins.iter_mut().enumerate() {
            coin.rank = u32::try_from(i + 1).ok();
        }
        MarketData::new(coins, None, now)
    }

    /// The exchange rates at `now`: fixed for money, and for bitcoin and ether what the demo's
    /// own Bitcoin and Ethereum cost then, so that a bitcoin is always worth 1 BTC.
    pub fn rates_at(&self, now: i64) -> ExchangeRates {
        let per_usd_of = |id: &str| {
            COINS
                .iter()
                .find(|c| c.id == id)
                .map(|coin| 1.0 / Model::new(coin).price(now))
        };
        let mut rates = vec![
            (Currency::Eur, 0.92),
            (Currency::Gbp, 0.79),
            (Currency::Jpy, 150.0),
        ];
        rates.extend(per_usd_of("bitcoin").map(|rate| (Currency::Btc, rate)));
        rates.extend(per_usd_of("ethereum").map(|rate| (Currency::Eth, rate)));
        ExchangeRates::new(now, rates)
    }

    /// Page `page` (from 1, `per_page` a page) of the whole demo market at `now`, ranked by
    /// market cap.
    pub fn page_at(&self, page: u32, per_page: u32, now: i64) -> MarketData {
        let mut by_cap: Vec<(f64, &DemoCoin)> = coins::all()
            .iter()
            .map(|c| (Model::new(c).price(now) * c.circulating, c))
            .collect();
        by_cap.sort_by(|a, b| b.0.total_cmp(&a.0));
        let skip = (page.max(1) as usize - 1) * per_page as usize;
        let coins = by_cap
            .iter()
            .enumerate()
            .skip(skip)
            .take(per_page as usize)
            .filter_map(|(i, (_, c))| {
                let mut coin = Model::new(c).coin_at(now)?;
                coin.rank = u32::try_from(i + 1).ok();
                Some(coin)
            })
            .collect();
        MarketData::new(coins, None, now)
    }

    /// The figures of `ids` at `now`, unranked (as the long tail shows them).
    pub fn coins_at(&self, ids: &[CoinId], now: i64) -> Vec<Coin> {
        let wanted: HashSet<&str> = ids.iter().map(CoinId::as_str).collect();
        coins::all()
            .iter()
            .filter(|c| wanted.contains(c.id))
            .filter_map(|c| Model::new(c).coin_at(now))
            .collect()
    }

    /// A coin's prices over `range` ending at `now`.
    pub fn chart_at(&self, id: &CoinId, range: ChartRange, now: i64) -> Option<Series> {
        let model = Model::new(coins::all().iter().find(|c| c.id == id.as_str())?);
        let step = match range {
            ChartRange::Day => 5 * 60,
            ChartRange::Week | ChartRange::Month => HOUR,
            ChartRange::Year => DAY,
        };
        let start = now - range.seconds();
        let mut points: Vec<PricePoint> = grid(start, now, step).map(|t| model.point(t)).collect();
        points.push(model.point(now));
        Some(points.into())
    }
}

/// Moments that are multiples of `step` in `(after, until]`.
fn grid(after: i64, until: i64, step: i64) -> impl Iterator<Item = i64> {
    let first = after.div_euclid(step) * step + step;
    (0..)
        .map(move |i| first + i * step)
        .take_while(move |t| *t <= until)
}

impl MarketSource for Demo {
    fn kind(&self) -> SourceKind {
        SourceKind::Demo
    }

    fn markets_page(
        &self,
        page: u32,
        per_page: u32,
    ) -> BoxFuture<'_, Result<MarketData, FetchError>> {
        let data = self.page_at(page, per_page, shared_ui::format::now_unix());
        Box::pin(async move { Ok(data) })
    }

    fn exchange_rates(&self) -> BoxFuture<'_, Result<ExchangeRates, FetchError>> {
        let rates = self.rates_at(shared_ui::format::now_unix());
        Box::pin(async move { Ok(rates) })
    }

    /// The demo has no figures beyond its coins: pages sum the listed ones.
    fn global(&self) -> BoxFuture<'_, Result<Option<GlobalFigures>, FetchError>> {
        Box::pin(async move { Ok(None) })
    }

    fn coin_list(&self) -> BoxFuture<'_, Result<Vec<ListedCoin>, FetchError>> {
        let list = coins::all()
            .iter()
            .filter_map(|c| {
                Some(ListedCoin {
                    id: CoinId::parse(c.id).ok()?,
                    symbol: c.symbol.to_owned(),
                    name: c.name.to_owned(),
                })
            })
            .collect();
        Box::pin(async move { Ok(list) })
    }

    fn coins<'a>(&'a self, ids: &'a [CoinId]) -> BoxFuture<'a, Result<Vec<Coin>, FetchError>> {
        let coins = self.coins_at(ids, shared_ui::format::now_unix());
        Box::pin(async move { Ok(coins) })
    }

    fn market_chart<'a>(
        &'a self,
        id: &'a CoinId,
        range: ChartRange,
    ) -> BoxFuture<'a, Result<Series, FetchError>> {
        let series = self
            .chart_at(id, range, shared_ui::format::now_unix())
            .ok_or_else(|| FetchError::Reported("coin not found".into()));
        Box::pin(async move { series })
    }

    /// The generated past, at the resolution the history keeps: a point a day beyond 35
    /// days, an hour beyond two days, every ten minutes since.
    fn own_logos(&self) -> Vec<(CoinId, String, Vec<u8>)> {
        logos::drawn()
            .into_iter()
            .filter_map(|(id, source, png)| Some((CoinId::parse(id).ok()?, source, png)))
            .collect()
    }

    fn backfill(&self, ids: &[(CoinId, Option<i64>)], now: i64) -> Vec<(CoinId, PricePoint)> {
        let mut points = Vec::new();
        for (id, after) in ids {
            let Some(coin) = COINS.iter().find(|c| c.id == id.as_str()) else {
                continue;
            };
            let model = Model::new(coin);
            let after = after.unwrap_or(i64::MIN).max(now - HISTORY_DAYS * DAY);
            let tiers = [(now - 35 * DAY, DAY), (now - 2 * DAY, HOUR), (now, 10 * 60)];
            let mut from = after;
            for (until, step) in tiers {
                if until > from {
                    points.extend(grid(from, until, step).map(|t| (id.clone(), model.point(t))));
                    from = until;
                }
            }
        }
        points
    }
}

/// One coin's price as a function of time.
struct Model<'a> {
    coin: &'a DemoCoin,
    seed: u64,
    /// How strongly the price moves; Bitcoin is 1.
    volatility: f64,
}

/// Waves in log-price: (period in days, amplitude).
const WAVES: [(f64, f64); 5] = [
    (365.0, 0.30),
    (47.0, 0.12),
    (9.3, 0.05),
    (1.7, 0.02),
    (0.29, 0.006),
];

impl<'a> Model<'a> {
    fn new(coin: &'a DemoCoin) -> Self {
        // A wrapped or staked coin moves with the coin it stands for.
        let moves_like = coin.tracks.unwrap_or(coin.id);
        let seed = fnv1a(moves_like.as_bytes());
        let volatility = if coin.stable {
            0.002
        } else if moves_like == "bitcoin" {
            1.0
        } else {
            1.1 + 0.7 * unit(seed, 1)
        };
        Self {
            coin,
            seed,
            volatility,
        }
    }

    fn price(&self, t: i64) -> f64 {
        let x = t as f64 / DAY as f64;
        let mut log_move = 0.0;
        for (i, (period, amplitude)) in WAVES.iter().enumerate() {
            let phase = unit(self.seed, 10 + i as u64) * std::f64::consts::TAU;
            log_move += amplitude * (x / period * std::f64::consts::TAU + phase).sin();
        }
        log_move += 0.006 * value_noise(self.seed, t, HOUR)
            + 0.002 * value_noise(self.seed ^ 0xA5A5, t, 5 * 60);
        self.coin.base_price * (self.volatility * log_move).exp()
    }

    fn point(&self, t: i64) -> PricePoint {
        PricePoint {
            at: t,
            price: self.price(t),
        }
    }

    fn change(&self, now: i64, ago: i64) -> f64 {
        (self.price(now) / self.price(now - ago) - 1.0) * 100.0
    }

    fn coin_at(&self, now: i64) -> Option<Coin> {
        let c = self.coin;
        let price = self.price(now);
        let market_cap = price * c.circulating;
        let day: Vec<f64> = (0..=144).map(|i| self.price(now - i * 600)).collect();
        let (ath, atl) = self.extremes(now);
        let extreme = |p: PricePoint| Extreme {
            price: p.price,
            at: Some(p.at),
            change_percent: Some((price / p.price - 1.0) * 100.0),
        };
        Some(Coin {
            id: CoinId::parse(c.id).ok()?,
            symbol: c.symbol.to_owned(),
            name: c.name.to_owned(),
            rank: None,
            price: Some(price),
            change_1h: Some(self.change(now, HOUR)),
            change_24h: Some(self.change(now, DAY)),
            change_7d: Some(self.change(now, 7 * DAY)),
            market_cap: Some(market_cap),
            fully_diluted_valuation: Some(price * c.max_supply.unwrap_or(c.circulating)),
            volume_24h: Some(market_cap * (0.03 + 0.05 * unit(self.seed, (now / DAY) as u64))),
            high_24h: day.iter().copied().reduce(f64::max),
            low_24h: day.iter().copied().reduce(f64::min),
            circulating_supply: Some(c.circulating),
            total_supply: Some(
                c.max_supply
                    .map_or(c.circulating, |m| c.circulating + (m - c.circulating) * 0.5),
            ),
            max_supply: c.max_supply,
            all_time_high: Some(extreme(ath)),
            all_time_low: Some(extreme(atl)),
            last_updated: Some(now),
            sparkline_7d: (0..=168)
                .rev()
                .map(|h| self.price(now - h * HOUR))
                .collect(),
            kept_from: None,
            image: None,
        })
    }

    /// Highest and lowest daily price over the demo's "all time", and today's.
    fn extremes(&self, now: i64) -> (PricePoint, PricePoint) {
        let today = self.point(now);
        grid(now - ALL_TIME_DAYS * DAY, now, DAY)
            .map(|t| self.point(t))
            .fold((today, today), |(high, low), p| {
                (
                    if p.price > high.price { p } else { high },
                    if p.price < low.price { p } else { low },
                )
            })
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A well-mixed 64-bit hash of two numbers (SplitMix64's finaliser).
fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A number in [0, 1) fixed by `(seed, n)`.
fn unit(seed: u64, n: u64) -> f64 {
    (mix(seed, n) >> 11) as f64 / (1u64 << 53) as f64
}

/// Smooth noise in [-1, 1]: random values at multiples of `cell` seconds, eased between.
fn value_noise(seed: u64, t: i64, cell: i64) -> f64 {
    let k = t.div_euclid(cell);
    let frac = t.rem_euclid(cell) as f64 / cell as f64;
    let ease = frac * frac * (3.0 - 2.0 * frac);
    let at = |k: i64| unit(seed, k as u64) * 2.0 - 1.0;
    at(k) + (at(k + 1) - at(k)) * ease
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_500_000;

    fn coin<'a>(data: &'a MarketData, id: &str) -> &'a Coin {
        data.coins.iter().find(|c| c.id.as_str() == id).expect(id)
    }

    #[test]
    fn the_same_moment_gives_the_same_market() {
        assert_eq!(Demo::new().market_at(NOW), Demo::new().market_at(NOW));
        assert_ne!(
            Demo::new().market_at(NOW).coins,
            Demo::new().market_at(NOW + 3600).coins
        );
    }

    #[test]
    fn demo_rates_are_fixed_for_money_and_make_a_bitcoin_one_btc() {
        let demo = Demo::new();
        let rates = demo.rates_at(NOW);
        assert_eq!(rates, demo.rates_at(NOW));
        assert_eq!(rates.per_usd(Currency::Eur), Some(0.92));
        assert_eq!(rates.per_usd(Currency::Gbp), Some(0.79));
        assert_eq!(rates.per_usd(Currency::Jpy), Some(150.0));
        let data = demo.market_at(NOW);
        for (id, currency) in [("bitcoin", Currency::Btc), ("ethereum", Currency::Eth)] {
            let price = coin(&data, id).price.expect("price");
            let rate = rates.per_usd(currency).expect("a rate");
            assert!((price * rate - 1.0).abs() < 1e-9, "{id}: {}", price * rate);
        }
    }

    #[test]
    fn magnitudes_are_plausible() {
        let data = Demo::new().market_at(NOW);
        assert!(data.coins.len() >= 95);
        let btc = coin(&data, "bitcoin");
        assert_eq!(btc.rank, Some(1));
        assert!((20_000.0..400_000.0).contains(&btc.price.expect("price")));
        assert!(btc.market_cap.expect("cap") > 3e11);
        let usdt = coin(&data, "tether");
        assert!(
            (usdt.price.expect("price") - 1.0).abs() < 0.01,
            "a stablecoin stays near a dollar"
        );
        let shib = coin(&data, "shiba-inu").price.expect("price");
        assert!(shib < 0.0001, "tiny prices exist to exercise formatting");
        let ranks: Vec<u32> = data.coins.iter().filter_map(|c| c.rank).collect();
        assert_eq!(ranks, (1..=data.coins.len() as u32).collect::<Vec<_>>());
        for c in &data.coins {
            let high = c.all_time_high.as_ref().expect("ath");
            let low = c.all_time_low.as_ref().expect("atl");
            assert!(
                low.price <= c.price.expect("price") && c.price.expect("price") <= high.price,
                "{}",
                c.id
            );
            assert!(c.low_24h <= c.price && c.price <= c.high_24h, "{}", c.id);
            assert_eq!(c.sparkline_7d.len(), 169);
        }
    }

    #[test]
    fn wrapped_coins_follow_what_they_wrap() {
        let data = Demo::new().market_at(NOW);
        assert_eq!(
            coin(&data, "wrapped-bitcoin").price,
            coin(&data, "bitcoin").price
        );
        assert_eq!(
            coin(&data, "staked-ether").change_7d,
            coin(&data, "ethereum").change_7d
        );
    }

    #[test]
    fn changes_agree_with_the_history() {
        let demo = Demo::new();
        let now = coin(&demo.market_at(NOW), "ethereum").clone();
        let price_week_ago = Model::new(COINS.iter().find(|c| c.id == "ethereum").expect("eth"))
            .price(NOW - 7 * DAY);
        let expected = (now.price.expect("price") / price_week_ago - 1.0) * 100.0;
        assert!((now.change_7d.expect("change") - expected).abs() < 1e-9);
    }

    #[test]
    fn a_thousand_ranked_coins_over_four_pages_and_a_long_tail() {
        let demo = Demo::new();
        let pages: Vec<MarketData> = (1..=4).map(|p| demo.page_at(p, 250, NOW)).collect();
        let ranks: Vec<u32> = pages
            .iter()
            .flat_map(|p| p.coins.iter().filter_map(|c| c.rank))
            .collect();
        assert_eq!(ranks, (1..=1000).collect::<Vec<_>>());
        assert_eq!(pages[0].coins[0].id.as_str(), "bitcoin");
        assert_eq!(demo.page_at(1, 250, NOW), demo.page_at(1, 250, NOW));
        let tail = &demo.page_at(5, 250, NOW).coins[0];
        let fetched = demo.coins_at(std::slice::from_ref(&tail.id), NOW);
        assert_eq!(fetched.len(), 1);
        assert_eq!(fetched[0].price, tail.price);
        assert_eq!(fetched[0].rank, None, "the long tail is fetched unranked");
    }

    #[test]
    fn every_chart_range_has_data_ending_now() {
        let demo = Demo::new();
        let id = CoinId::parse("bitcoin").expect("id");
        for range in ChartRange::ALL {
            let chart = demo.chart_at(&id, range, NOW).expect("chart");
            assert!(chart.points().len() >= 24, "{range:?}");
            assert!(
                chart.covers(NOW - range.seconds(), range.seconds() / 20),
                "{range:?}"
            );
            assert_eq!(chart.points().last().map(|p| p.at), Some(NOW));
        }
        assert!(
            demo.chart_at(&CoinId::parse("nope").expect("id"), ChartRange::Day, NOW)
                .is_none()
        );
    }

    #[test]
    fn backfill_covers_a_year_at_the_kept_resolution_and_only_what_is_missing() {
        let demo = Demo::new();
        let id = CoinId::parse("bitcoin").expect("id");
        let all = demo.backfill(&[(id.clone(), None)], NOW);
        let oldest = all.iter().map(|(_, p)| p.at).min().expect("points");
        assert!(oldest <= NOW - 365 * DAY);
        assert!((1_000..2_000).contains(&all.len()), "{}", all.len());
        let recent = demo.backfill(&[(id, Some(NOW - 3600))], NOW);
        assert_eq!(recent.len(), 6, "ten-minute points for the missing hour");
        assert!(recent.iter().all(|(_, p)| p.at > NOW - 3600));
    }
}
