//! Every product page in each of its states, with deterministic sample data (the demo market
//! at a fixed moment), for the site's `/_gallery` and the snapshot tests. Not compiled into the
//! `product` binary (the `gallery` feature).

use crate::feed::demo::Demo;
use crate::market::listing::ListingQuery;
use crate::market::{
    ChartRange, Coin, CoinId, MarketData, PricePoint, Series, Snapshot, SourceKind,
};
use crate::routes::coin::get::{ChartView, CoinPage, WatchState};
use crate::routes::listing::get::{ListingPage, title};
use crate::routes::listing::rows::Marks;
use crate::routes::watchlist::get::WatchlistPage;
use shared_ui::gallery::{Sample, demo_banner, sample_context, stale_banner};
use shared_ui::{Banner, Currency, CurrencyChoice, InCurrency, Nav, PageContext};

/// 2026-11-24 06:00 UTC: samples never depend on the clock.
const NOW: i64 = 1_795_500_000;
const LONG_NAME: &str = "a_very_long_username_32_chars_xx";

fn ctx(title: &str, nav: Nav, viewer: Option<&str>, banners: Vec<Banner>) -> PageContext {
    let mut ctx = sample_context(title, "", nav, viewer);
    ctx.banners = banners;
    ctx.currency = Some(CurrencyChoice {
        current: Currency::Usd,
        action: "/".into(),
        kept: Vec::new(),
        can_save: viewer.is_some(),
    });
    ctx
}

/// The demo's rates at the samples' moment, in `currency`.
fn in_currency(currency: Currency) -> InCurrency {
    Demo::new()
        .rates_at(NOW)
        .in_currency(currency)
        .unwrap_or(InCurrency::USD)
}

fn snapshot(coins: Vec<Coin>) -> Snapshot {
    Snapshot::new(1, SourceKind::Demo, MarketData::new(coins, None, NOW))
}

/// A coin at the edges: a tiny price, huge supply, no maximum, a very long name.
fn extreme_coin(template: &Coin) -> Coin {
    let mut coin = template.clone();
    coin.id = CoinId::parse("remarkably-long-named-meme-token").unwrap_or(coin.id);
    coin.name = "Remarkably Long Named Meme Token Of The Decentralised Future".into();
    coin.symbol = "rlnmtotdf".into();
    coin.price = Some(7.662e-8);
    coin.circulating_supply = Some(4.2e15);
    coin.total_supply = Some(4.2e15);
    coin.max_supply = None;
    coin.market_cap = Some(3.2e8);
    coin.volume_24h = Some(9.9e12);
    coin.change_1h = None;
    coin.change_24h = Some(0.0);
    coin.change_7d = Some(1234.5);
    coin
}

fn query(raw: &str) -> ListingQuery {
    ListingQuery::parse(raw).unwrap_or_else(|_| ListingQuery::parse("").unwrap_or_default())
}

fn listing(
    id: &str,
    label: &str,
    snap: &Snapshot,
    raw_query: &str,
    viewer: Option<&str>,
    banners: Vec<Banner>,
) -> Sample {
    listing_in(id, label, snap, raw_query, viewer, banners, InCurrency::USD)
}

fn listing_in(
    id: &str,
    label: &str,
    snap: &Snapshot,
    raw_query: &str,
    viewer: Option<&str>,
    banners: Vec<Banner>,
    cur: InCurrency,
) -> Sample {
    let q = query(raw_query);
    let mut ctx = ctx(&title(&q), Nav::Coins, viewer, banners);
    if let Some(choice) = &mut ctx.currency {
        choice.current = cur.currency;
    }
    Sample::new(
        id,
        label,
        &ListingPage::new(
            ctx,
            snap,
            q,
            cur,
            &Marks::none(),
            &crate::logos::LogoIndex::default(),
        ),
    )
}

fn coin_page(
    id: &str,
    label: &str,
    coin: &Coin,
    chart: ChartView,
    watch: WatchState,
    range: ChartRange,
) -> Sample {
    coin_page_in(id, label, coin, chart, watch, range, InCurrency::USD)
}

fn coin_page_in(
    id: &str,
    label: &str,
    coin: &Coin,
    chart: ChartView,
    watch: WatchState,
    range: ChartRange,
    cur: InCurrency,
) -> Sample {
    let viewer = match watch {
        WatchState::Anonymous { .. } => None,
        _ => Some("satoshi"),
    };
    let mut context = ctx(&coin.name, Nav::Coins, viewer, vec![demo_banner()]);
    context.current_path = format!("/coins/{}", coin.id);
    if let Some(choice) = &mut context.currency {
        choice.current = cur.currency;
        choice.action = context.current_path.clone();
    }
    Sample::new(
        id,
        label,
        &CoinPage::new(context, coin.clone(), cur, NOW, range, chart, watch),
    )
}

fn drawn(series: &Series, range: ChartRange, coin: &Coin) -> ChartView {
    drawn_in(series, range, coin, InCurrency::USD)
}

fn drawn_in(series: &Series, range: ChartRange, coin: &Coin, cur: InCurrency) -> ChartView {
    ChartView::drawn(series, range, coin, cur)
}

/// Prices whose labels are hardest to fit: a tiny price, one hovering around a dollar, and a
/// five-figure one, charted over every range (the browser tests check that no label is cut).
fn awkward_charts(template: &Coin) -> Vec<Sample> {
    let prices = [
        ("tiny", "Tiny Price Token", "tiny", 5.12e-9),
        ("near-one", "Steady Dollar", "sdol", 0.9996),
        ("five-figure", "Heavy Coin", "hvy", 98_765.4),
    ];
    let mut out = Vec::new();
    for (key, name, symbol, price) in prices {
        let mut coin = template.clone();
        coin.id = CoinId::parse(&format!("{key}-coin")).unwrap_or(coin.id);
        coin.name = name.into();
        coin.symbol = symbol.into();
        for range in ChartRange::ALL {
            let step = if range == ChartRange::Year {
                86_400
            } else {
                3_600
            };
            let count = range.seconds() / step;
            let series = Series::from(
                (0..=count)
                    .map(|i| PricePoint {
                        at: NOW - range.seconds() + i * step,
                        price: price
                            * (1.0
                                + 0.004 * ((i as f64) / 9.0).sin()
                                + 0.0001 * i as f64 / count as f64),
                    })
                    .collect::<Vec<_>>(),
            );
            let (low, high) = series
                .extremes()
                .map_or((price, price), |(l, h)| (l.price, h.price));
            coin.price = series.points().last().map(|p| p.price);
            coin.high_24h = Some(high);
            coin.low_24h = Some(low);
            out.push(coin_page(
                &format!("chart-{key}-{}", range.as_str()),
                &format!("Coin page: {name}'s {} chart ({price})", range.as_str()),
                &coin,
                drawn(&series, range, &coin),
                WatchState::Anonymous {
                    login_url: "/account/login".into(),
                },
                range,
            ));
        }
    }
    out
}

pub fn samples() -> Vec<Sample> {
    let demo = Demo::new();
    let market = demo.market_at(NOW);
    let full = snapshot(market.coins.clone());
    let bitcoin = market
        .coins
        .first()
        .cloned()
        .expect("the demo market has coins");
    let mut edges = market.coins.iter().take(3).cloned().collect::<Vec<_>>();
    edges.push(extreme_coin(&bitcoin));
    let edges = snapshot(edges);
    let one = snapshot(vec![bitcoin.clone()]);
    let empty = Snapshot::empty(SourceKind::Demo);
    let anonymous_watch = WatchState::Anonymous {
        login_url: "/account/login?next=/coins/bitcoin".into(),
    };

    let mut samples = vec![
        listing(
            "listing",
            "Listing: anonymous, demo data, first page of 50",
            &full,
            "",
            None,
            vec![demo_banner()],
        ),
        listing(
            "listing-signed-in-stale",
            "Listing: signed in with a long name, stale and demo banners",
            &full,
            "",
            Some(LONG_NAME),
            vec![demo_banner(), stale_banner()],
        ),
        listing(
            "listing-sorted-page-2",
            "Listing: by 24h change, rising first, page 2",
            &full,
            "sort=change_24h&dir=asc&page=2",
            None,
            vec![],
        ),
        listing(
            "listing-per-page-100",
            "Listing: 100 a page",
            &full,
            "per_page=100",
            None,
            vec![],
        ),
        listing(
            "listing-search",
            "Listing: search with matches",
            &full,
            "q=bit",
            None,
            vec![],
        ),
        listing(
            "listing-search-no-results",
            "Listing: search with no match",
            &full,
            "q=zzzzzz",
            None,
            vec![],
        ),
        listing(
            "listing-one-coin",
            "Listing: a single coin",
            &one,
            "",
            None,
            vec![],
        ),
        listing(
            "listing-empty",
            "Listing: no market data loaded yet",
            &empty,
            "",
            None,
            vec![],
        ),
        listing(
            "listing-extremes",
            "Listing: tiny price, huge numbers, long name",
            &edges,
            "",
            None,
            vec![],
        ),
        listing_in(
            "listing-jpy",
            "Listing: in Japanese yen",
            &full,
            "currency=jpy",
            None,
            vec![],
            in_currency(Currency::Jpy),
        ),
        listing_in(
            "listing-btc-extremes",
            "Listing: in bitcoin, tiny price and huge numbers",
            &edges,
            "currency=btc",
            None,
            vec![],
            in_currency(Currency::Btc),
        ),
    ];

    let week = demo
        .chart_at(&bitcoin.id, ChartRange::Week, NOW)
        .unwrap_or_default();
    let year = demo
        .chart_at(&bitcoin.id, ChartRange::Year, NOW)
        .unwrap_or_default();
    let flat = Series::from(
        (0..48)
            .map(|i| PricePoint {
                at: NOW - 3600 * (48 - i),
                price: 1.0,
            })
            .collect::<Vec<_>>(),
    );
    let single = Series::from(vec![PricePoint {
        at: NOW,
        price: 64_000.0,
    }]);
    samples.extend([
        coin_page(
            "coin",
            "Coin page: anonymous, 7-day chart",
            &bitcoin,
            drawn(&week, ChartRange::Week, &bitcoin),
            anonymous_watch.clone(),
            ChartRange::Week,
        ),
        coin_page(
            "coin-watching",
            "Coin page: signed in, watching, 1-year chart",
            &bitcoin,
            drawn(&year, ChartRange::Year, &bitcoin),
            WatchState::Watching,
            ChartRange::Year,
        ),
        coin_page(
            "coin-not-watching",
            "Coin page: signed in, not watching",
            &bitcoin,
            drawn(&week, ChartRange::Week, &bitcoin),
            WatchState::NotWatching,
            ChartRange::Week,
        ),
        coin_page(
            "coin-watchlist-unknown",
            "Coin page: watchlist unreadable (no button)",
            &bitcoin,
            drawn(&week, ChartRange::Week, &bitcoin),
            WatchState::Unknown,
            ChartRange::Week,
        ),
        coin_page(
            "coin-flat-chart",
            "Coin page: a flat price line",
            &bitcoin,
            drawn(&flat, ChartRange::Day, &bitcoin),
            anonymous_watch.clone(),
            ChartRange::Day,
        ),
        coin_page(
            "coin-single-point-chart",
            "Coin page: a chart with one price",
            &bitcoin,
            drawn(&single, ChartRange::Day, &bitcoin),
            anonymous_watch.clone(),
            ChartRange::Day,
        ),
        coin_page(
            "coin-chart-empty",
            "Coin page: no prices in the range",
            &bitcoin,
            ChartView::Empty,
            anonymous_watch.clone(),
            ChartRange::Month,
        ),
        coin_page(
            "coin-chart-pending",
            "Coin page: chart being fetched",
            &bitcoin,
            ChartView::Pending,
            anonymous_watch.clone(),
            ChartRange::Year,
        ),
        coin_page(
            "coin-chart-unavailable",
            "Coin page: price history unavailable",
            &bitcoin,
            ChartView::Unavailable,
            anonymous_watch.clone(),
            ChartRange::Month,
        ),
        coin_page_in(
            "coin-eur",
            "Coin page: in euros, 7-day chart",
            &bitcoin,
            drawn_in(
                &week,
                ChartRange::Week,
                &bitcoin,
                in_currency(Currency::Eur),
            ),
            WatchState::NotWatching,
            ChartRange::Week,
            in_currency(Currency::Eur),
        ),
        coin_page(
            "coin-extremes",
            "Coin page: tiny price, huge supply, no maximum, long name",
            &extreme_coin(&bitcoin),
            ChartView::Empty,
            anonymous_watch,
            ChartRange::Week,
        ),
    ]);

    samples.extend(awkward_charts(&bitcoin));

    let watched: Vec<CoinId> = full.coins().iter().take(5).map(|c| c.id.clone()).collect();
    let gone = CoinId::parse("delisted-coin")
        .into_iter()
        .collect::<Vec<_>>();
    let watchlist = |id: &str, label: &str, ids: &[CoinId]| {
        let ctx = ctx(
            "Your watchlist",
            Nav::Watchlist,
            Some("satoshi"),
            vec![demo_banner()],
        );
        Sample::new(
            id,
            label,
            &WatchlistPage::new(ctx, &full, ids, InCurrency::USD),
        )
    };
    samples.extend([
        watchlist("watchlist-empty", "Watchlist: nothing watched yet", &[]),
        watchlist("watchlist-one", "Watchlist: one coin", &watched[..1]),
        watchlist("watchlist-many", "Watchlist: several coins", &watched),
        watchlist(
            "watchlist-unlisted",
            "Watchlist: a watched coin that left the listing",
            &[watched[0].clone()]
                .into_iter()
                .chain(gone)
                .collect::<Vec<_>>(),
        ),
    ]);

    samples
        .into_iter()
        .map(|mut s| {
            s.id = format!("product-{}", s.id);
            s
        })
        .collect()
}
