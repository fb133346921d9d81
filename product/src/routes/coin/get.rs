//! `GET /coins/{id}`: one coin's figures, supply, all-time high and low, a price chart over
//! `?range=` (24h, 7d, 30d, 1y), and the watch button. A coin outside the ranked set is
//! found in the coin list and its figures fetched on demand; an id the coin list does not
//! have answers 404 without a call to the provider.

use crate::copy::Text;
use crate::feed::{ChartData, Feed, LongTailCoin};
use crate::logos::LogoHash;
use crate::market::{ChartRange, Coin, CoinId};
use crate::routes::Origin;
use crate::routes::as_of::AsOf;
use crate::routes::coin_table::Change;
use crate::routes::currency::PageCurrency;
use crate::store;
use crate::svg::monogram::Monogram;
use crate::svg::price_chart::PriceChart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chassis::AppError;
use chassis::db::DbPool;
use chassis::page::{PageBuilder, render, render_with_status};
use shared_ui::InCurrency;
use shared_ui::format::{percent, price_in};
use shared_ui::template_prelude::*;

#[derive(Template)]
#[template(path = "coin.html")]
pub(crate) struct CoinPage {
    ctx: PageContext,
    coin: Coin,
    monogram: Monogram,
    /// Our copy of the coin's logo, when we have one; else the monogram shows.
    logo: Option<LogoHash>,
    changes: [(&'static str, Change); 3],
    as_of: AsOf,
    last_updated: Option<AsOf>,
    range: ChartRange,
    ranges: Vec<RangeLink>,
    chart: ChartView,
    supply: Option<SupplyBar>,
    all_time: [AllTime; 2],
    watch: WatchState,
    meta: PageMeta,
    chart_script: String,
    /// The currency of the page's amounts and chart, and the sentence that says which it is.
    cur: InCurrency,
    prices_in: String,
    /// For a coin outside the ranked set: how many coins are ranked.
    outside_top: Option<usize>,
    /// Said under the chart when it is not what the range asked for.
    chart_note: Option<String>,
}

/// What the head says about the page to search engines and link previews.
pub(crate) struct PageMeta {
    description: String,
    /// Absolute, when the site's address is configured.
    canonical: Option<String>,
    /// The home-screen icon as a preview image, absolute like `canonical`.
    image: Option<String>,
}

/// A coin's address before the first market snapshot: the same news as the empty listing.
#[derive(Template)]
#[template(path = "coin_waiting.html")]
struct CoinWaitingPage {
    ctx: PageContext,
    id: CoinId,
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
        /// The time zone, how often the line has a point, and why its figures may differ
        /// from the 24h figures under Market.
        note: String,
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
    /// The same in words: `16.8% below the all-time high`.
    distance_text: String,
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
    origin: web::Data<Origin>,
) -> Result<HttpResponse, AppError> {
    let snapshot = feed.live().snapshot();
    let id = match CoinId::parse(&path) {
        Ok(id) => id,
        Err(_) => {
            // `/coins/Bitcoin` is `/coins/bitcoin`: ids are lowercase.
            let lower =
                CoinId::parse(&path.to_ascii_lowercase()).map_err(|_| AppError::NotFound)?;
            if snapshot.as_of().is_some()
                && snapshot.coin(&lower).is_none()
                && feed.directory().get(&lower).is_none()
            {
                return Err(AppError::NotFound);
            }
            return Ok(moved_to(&coin_path(&lower), req.query_string()));
        }
    };
    let range = parse_range(req.query_string())?;
    let Some(as_of) = snapshot.as_of() else {
        let ctx = page.context(Text::WaitingTitle.text(), Nav::Coins);
        let mut res = render_with_status(
            &CoinWaitingPage { ctx, id },
            StatusCode::SERVICE_UNAVAILABLE,
        )?;
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
        return Ok(res);
    };
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
                        Text::LongTailUnavailable {
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
            chart_note = Some(Text::ChartFromStoredPrices.text());
            ChartView::drawn(&series, range, &coin, currency.cur)
        }
        Ok(ChartData::Ready(series)) => ChartView::drawn(&series, range, &coin, currency.cur),
        Ok(ChartData::Pending) => ChartView::Pending,
        Err(err) => {
            log::warn!(coin = coin.id.as_str(); "price chart unavailable: {err}");
            ChartView::Unavailable
        }
    };
    let title = Text::CoinTitle {
        name: coin.name.clone(),
        symbol: coin.symbol.to_uppercase(),
    }
    .text();
    let mut ctx = match &watching {
        Some(_) => page.form_context(title, Nav::Coins),
        None => page.context(title, Nav::Coins),
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
    let canonical = origin.url(&coin_path(&coin.id));
    let image = origin.url(&format!(
        "/assets/{}",
        shared_ui::assets::APPLE_TOUCH_ICON.hashed_name()
    ));
    let mut coin_page = CoinPage::new(ctx, coin, currency.cur, as_of, range, chart, watch);
    coin_page.logo = feed.logos().index().of(&coin_page.coin.id);
    coin_page.meta.canonical = canonical;
    coin_page.meta.image = image;
    coin_page.outside_top = outside_top;
    coin_page.chart_note = chart_note;
    let mut response = render(&coin_page)?;
    currency.remember(&req, &mut response);
    Ok(response)
}

/// `/coins/bitcoin`.
fn coin_path(id: &CoinId) -> String {
    format!("/coins/{id}")
}

/// A permanent redirect to the local path `path`, with `query` kept.
fn moved_to(path: &str, query: &str) -> HttpResponse {
    let target = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    HttpResponse::MovedPermanently()
        .insert_header((
            header::LOCATION,
            chassis::redirect::local_or_home(Some(&target)),
        ))
        .finish()
}

impl ChartView {
    /// The chart of `series`, or [`ChartView::Empty`] when it has no point.
    pub(crate) fn drawn(
        series: &crate::market::Series,
        range: ChartRange,
        coin: &Coin,
        cur: InCurrency,
    ) -> Self {
        let Some(chart) = PriceChart::new(series, range, cur) else {
            return Self::Empty;
        };
        // Over a day, the chart's extremes stand beside the 24h high and low under Market;
        // sampled points rarely catch the very top and bottom a feed counts.
        let differs_from_day = range == ChartRange::Day
            && (cur.price(coin.high_24h) != price_in(chart.high_price(), cur.currency)
                || cur.price(coin.low_24h) != price_in(chart.low_price(), cur.currency));
        Self::Drawn {
            summary: chart.summary(&coin.name),
            note: Text::ChartNote {
                resolution: chart.resolution(),
                differs_from_day,
            }
            .text(),
            chart: Box::new(chart),
        }
    }
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
                // To the chart, so that a change of range keeps the page where it was.
                href: format!("/coins/{}?range={}#chart", coin.id, r.as_str()),
                current: r == range,
            })
            .collect();
        let supply = coin.supply_fraction().map(|fraction| SupplyBar {
            width: format!("{:.1}", fraction * 100.0),
            text: Text::SupplyShare {
                share: percent(fraction * 100.0),
            }
            .text(),
        });
        let all_time = [
            AllTime {
                label: Text::AllTimeHigh.text(),
                price: coin.all_time_high.as_ref().map(|e| e.price),
                at: coin.all_time_high.as_ref().and_then(|e| e.at),
                distance: Change::new(coin.distance_from_high()),
                distance_text: all_time_distance(coin.distance_from_high(), true),
            },
            AllTime {
                label: Text::AllTimeLow.text(),
                price: coin.all_time_low.as_ref().map(|e| e.price),
                at: coin.all_time_low.as_ref().and_then(|e| e.at),
                distance: Change::new(coin.distance_from_low()),
                distance_text: all_time_distance(coin.distance_from_low(), false),
            },
        ];
        let meta = PageMeta {
            description: Text::CoinDescription {
                name: coin.name.clone(),
                symbol: coin.symbol.to_uppercase(),
                price: cur.price(coin.price),
                market_cap: cur.compact(coin.market_cap),
            }
            .text(),
            canonical: None,
            image: None,
        };
        let chart_script = format!(
            "{}/assets/{}",
            ctx.asset_prefix,
            shared_ui::assets::CHART_SCRIPT.hashed_name()
        );
        Self {
            ctx,
            monogram: Monogram::new(coin.id.as_str(), &coin.symbol, &coin.name),
            logo: None,
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
            meta,
            chart_script,
            cur,
            prices_in: crate::routes::currency::prices_in(cur),
            outside_top: None,
            chart_note: None,
            coin,
        }
    }
}

/// Today's price against an all-time extreme, in words: `16.8% below the all-time high`,
/// `at the all-time low` when they round to the same.
fn all_time_distance(distance: Option<f64>, high: bool) -> String {
    let Some(d) = distance.filter(|d| d.is_finite()) else {
        return String::new();
    };
    let size = percent(d.abs());
    let above = if size == percent(0.0) {
        None
    } else {
        Some(d > 0.0)
    };
    Text::AllTimeDistance {
        percent: size,
        above,
        high,
    }
    .text()
}

/// `?range=`: one of the chart ranges, 7 days when absent. Other parameters are ignored.
fn parse_range(query_string: &str) -> Result<ChartRange, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string).unwrap_or_default();
    match pairs.iter().find(|(k, v)| k == "range" && !v.is_empty()) {
        None => Ok(ChartRange::Week),
        Some((_, raw)) => ChartRange::parse(raw.trim()).ok_or_else(|| {
            let shown: String = raw.chars().take(20).collect();
            AppError::BadRequest(
                Text::UnknownRange {
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
    fn all_time_lines_say_below_the_high_and_above_the_low() {
        assert_eq!(
            all_time_distance(Some(-16.77), true),
            "16.8% below the all-time high"
        );
        assert_eq!(
            all_time_distance(Some(2_345.6), false),
            "2345.6% above the all-time low"
        );
        assert_eq!(all_time_distance(Some(0.01), true), "At the all-time high");
        assert_eq!(all_time_distance(None, false), "");
    }

    #[test]
    fn a_wrong_case_id_moves_with_its_query() {
        let res = moved_to("/coins/bitcoin", "range=1y");
        assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(
            res.headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("/coins/bitcoin?range=1y")
        );
    }

    #[test]
    fn the_range_defaults_to_a_week_and_unknown_ranges_are_refused() {
        assert_eq!(parse_range("").ok(), Some(ChartRange::Week));
        assert_eq!(parse_range("range=1y&utm=x").ok(), Some(ChartRange::Year));
        assert!(
            matches!(parse_range("range=5y"), Err(AppError::BadRequest(m)) if m.contains("\"5y\""))
        );
    }
}
