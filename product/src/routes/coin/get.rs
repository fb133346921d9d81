//! `GET /coins/{id}`: one coin's figures, supply, all-time high and low, a price chart over
//! `?range=` (24h, 7d, 30d, 1y), and the watch button. A coin outside the ranked set is
//! found in the coin list and its figures fetched on demand; an id the coin list does not
//! have answers 404 without a call to the provider.

use crate::copy::Copy;
use crate::feed::{ChartData, Feed, LongTailCoin};
use crate::market::{ChartRange, Coin, CoinId};
use crate::routes::as_of::AsOf;
use crate::routes::coin_table::Change;
use crate::routes::currency::PageCurrency;
use crate::store;
use crate::svg::monogram::Monogram;
use crate::svg::price_chart::PriceChart;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chassis::AppError;
use chassis::db::DbPool;
use chassis::page::{PageBuilder, render};
use shared_ui::InCurrency;
use shared_ui::format::percent;
use shared_ui::template_prelude::*;

#[derive(Template)]
#[template(path = "coin.html")]
pub(crate) struct CoinPage {
    ctx: PageContext,
    coin: Coin,
    /// The currency of the page's amounts and chart, and the sentence that says which it is.
    cur: InCurrency,
    prices_in: String,
    monogram: Monogram,
    changes: [(&'static str, Change); 3],
    as_of: AsOf,
    last_updated: Option<AsOf>,
    range: ChartRange,
    ranges: Vec<RangeLink>,
    chart: ChartView,
    supply: Option<SupplyBar>,
    all_time: [AllTime; 2],
    watch: WatchState,
    /// For a coin outside the ranked set: how many coins are ranked.
    outside_top: Option<usize>,
    /// Said under the chart when it is not what the range asked for.
    chart_note: Option<String>,
}

struct RangeLink {
    label: &'static str,
    href: String,
    current: bool,
}

pub(crate) enum ChartView {
    Drawn {
        chart: Box<PriceChart>,
        summary: String,
    },
    /// The range is being fetched; the page says to come back.
    Pending,
    /// Nothing to draw: no prices in the range.
    Empty,
    /// The history could not be read (the database is down).
    Unavailable,
}

struct SupplyBar {
    /// `0` to `100`, as the bar's width in its 100-wide box.
    width: String,
    text: String,
}

/// The all-time high or low as the page shows it.
struct AllTime {
    label: String,
    price: Option<f64>,
    at: Option<i64>,
    /// Today's price relative to it, in percent.
    distance: Change,
}

/// What the watch button can say.
#[derive(Clone)]
pub(crate) enum WatchState {
    Anonymous {
        login_url: String,
    },
    Watching,
    NotWatching,
    /// The watchlist could not be read; no button rather than a wrong one.
    Unknown,
}

pub async fn coin_page(
    req: HttpRequest,
    path: web::Path<String>,
    page: PageBuilder,
    feed: web::Data<Feed>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    let range = parse_range(req.query_string())?;
    let snapshot = feed.live().snapshot();
    let Some(as_of) = snapshot.as_of() else {
        return Err(AppError::Unavailable(
            "no market snapshot has been loaded yet".into(),
        ));
    };
    let id = CoinId::parse(&path).map_err(|_| AppError::NotFound)?;
    let (coin, as_of, outside_top) = match snapshot.coin(&id) {
        // A coin whose page of the feed failed shows the time of its own figures.
        Some(coin) => (coin.clone(), coin.kept_from.unwrap_or(as_of), None),
        None => {
            let directory = feed.directory();
            let listed = directory.get(&id).ok_or(AppError::NotFound)?;
            match feed.long_tail().coin(listed).await {
                LongTailCoin::Priced { coin, as_of } => {
                    (*coin, as_of, Some(snapshot.coins().len()))
                }
                LongTailCoin::Unpriced => {
                    return Err(AppError::Unavailable(
                        Copy::LongTailUnavailable {
                            name: listed.name.clone(),
                        }
                        .text(),
                    ));
                }
            }
        }
    };

    let identity = page.identity().cloned();
    let currency = PageCurrency::of(&req, &feed, &pool, identity.as_ref().map(|i| i.user_id)).await;
    let watching = async {
        let identity = identity?;
        let id = coin.id.clone();
        Some(
            pool.run(move |conn| store::watchlist::contains(conn, identity.user_id, &id))
                .await,
        )
    };
    let (chart, watching) = futures_util::join!(feed.charts().chart(&coin, range, as_of), watching);

    let mut chart_note = None;
    let chart = match chart {
        Ok(ChartData::FromStoredPrices(series)) => {
            chart_note = Some(Copy::ChartFromStoredPrices.text());
            match PriceChart::new(&series, range, currency.cur) {
                Some(chart) => ChartView::Drawn {
                    summary: chart.summary(&coin.name),
                    chart: Box::new(chart),
                },
                None => ChartView::Empty,
            }
        }
        Ok(ChartData::Ready(series)) => match PriceChart::new(&series, range, currency.cur) {
            Some(chart) => ChartView::Drawn {
                summary: chart.summary(&coin.name),
                chart: Box::new(chart),
            },
            None => ChartView::Empty,
        },
        Ok(ChartData::Pending) => ChartView::Pending,
        Err(err) => {
            log::warn!(coin = coin.id.as_str(); "price chart unavailable: {err}");
            ChartView::Unavailable
        }
    };
    let mut ctx = match &watching {
        Some(_) => page.form_context(coin.name.clone(), Nav::Coins),
        None => page.context(coin.name.clone(), Nav::Coins),
    };
    currency.fill(&mut ctx, &req);
    let watch = match watching {
        None => WatchState::Anonymous {
            login_url: ctx.login_url(),
        },
        Some(Ok(true)) => WatchState::Watching,
        Some(Ok(false)) => WatchState::NotWatching,
        Some(Err(err)) => {
            log::warn!("watchlist unavailable on a coin page: {err}");
            WatchState::Unknown
        }
    };
    let mut coin_page = CoinPage::new(ctx, coin, currency.cur, as_of, range, chart, watch);
    coin_page.outside_top = outside_top;
    coin_page.chart_note = chart_note;
    let mut response = render(&coin_page)?;
    currency.remember(&req, &mut response);
    Ok(response)
}

impl CoinPage {
    /// The page for `coin` as of `as_of`; the handler and the gallery both build it here.
    pub(crate) fn new(
        ctx: PageContext,
        coin: Coin,
        cur: InCurrency,
        as_of: i64,
        range: ChartRange,
        chart: ChartView,
        watch: WatchState,
    ) -> Self {
        let ranges = ChartRange::ALL
            .iter()
            .map(|&r| RangeLink {
                label: r.as_str(),
                href: format!("/coins/{}?range={}", coin.id, r.as_str()),
                current: r == range,
            })
            .collect();
        let supply = coin.supply_fraction().map(|fraction| SupplyBar {
            width: format!("{:.1}", fraction * 100.0),
            text: Copy::SupplyShare {
                share: percent(fraction * 100.0),
            }
            .text(),
        });
        let all_time = [
            AllTime {
                label: Copy::AllTimeHigh.text(),
                price: coin.all_time_high.as_ref().map(|e| e.price),
                at: coin.all_time_high.as_ref().and_then(|e| e.at),
                distance: Change::new(coin.distance_from_high()),
            },
            AllTime {
                label: Copy::AllTimeLow.text(),
                price: coin.all_time_low.as_ref().map(|e| e.price),
                at: coin.all_time_low.as_ref().and_then(|e| e.at),
                distance: Change::new(coin.distance_from_low()),
            },
        ];
        Self {
            ctx,
            cur,
            prices_in: crate::routes::currency::prices_in(cur),
            monogram: Monogram::new(coin.id.as_str(), &coin.symbol, &coin.name),
            changes: [
                ("1h", Change::new(coin.change_1h)),
                ("24h", Change::new(coin.change_24h)),
                ("7d", Change::new(coin.change_7d)),
            ],
            as_of: AsOf::new(as_of),
            last_updated: coin.last_updated.map(AsOf::new),
            range,
            ranges,
            chart,
            supply,
            all_time,
            watch,
            coin,
            outside_top: None,
            chart_note: None,
        }
    }
}

/// `?range=`: one of the chart ranges, 7 days when absent. Other parameters are ignored.
fn parse_range(query_string: &str) -> Result<ChartRange, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string).unwrap_or_default();
    match pairs.iter().find(|(k, v)| k == "range" && !v.is_empty()) {
        None => Ok(ChartRange::Week),
        Some((_, raw)) => ChartRange::parse(raw.trim()).ok_or_else(|| {
            let shown: String = raw.chars().take(20).collect();
            AppError::BadRequest(
                Copy::UnknownRange {
                    given: format!("{shown:?}"),
                }
                .text(),
            )
        }),
    }
}

impl CoinPage {
    /// This page's address, where the watch form brings the visitor back to.
    fn return_to(&self) -> &str {
        &self.ctx.current_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_defaults_to_a_week_and_unknown_ranges_are_refused() {
        assert_eq!(parse_range("").ok(), Some(ChartRange::Week));
        assert_eq!(parse_range("range=1y&utm=x").ok(), Some(ChartRange::Year));
        assert!(
            matches!(parse_range("range=5y"), Err(AppError::BadRequest(m)) if m.contains("\"5y\""))
        );
    }
}
