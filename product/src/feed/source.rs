//! Where market data comes from: a [`MarketSource`] answers for a page of the ranked
//! market, the global figures, the whole coin list, given coins, the exchange rates, and a
//! coin's longer price history. Each method is one call to the provider, so the caller
//! counts it against the budget. Implementations: [`super::coingecko::CoinGecko`] and
//! [`super::demo::Demo`].

use crate::market::{
    ChartRange, Coin, CoinId, ExchangeRates, GlobalFigures, ListedCoin, MarketData, PricePoint,
    Series, SourceKind,
};
use futures_util::future::BoxFuture;
use std::time::Duration;

pub trait MarketSource: Send + Sync + 'static {
    fn kind(&self) -> SourceKind;

    /// Page `page` (from 1) of the coins by market cap, `per_page` of them (at most 250), with
    /// 7-day sparklines and 1h/24h/7d changes. The answer has no global figures.
    fn markets_page(
        &self,
        page: u32,
        per_page: u32,
    ) -> BoxFuture<'_, Result<MarketData, FetchError>>;

    /// Figures for the whole market; `None` when the answer had none.
    fn global(&self) -> BoxFuture<'_, Result<Option<GlobalFigures>, FetchError>>;

    /// Every coin the source knows: id, symbol and name.
    fn coin_list(&self) -> BoxFuture<'_, Result<Vec<ListedCoin>, FetchError>>;

    /// The market figures of `ids` (at most 250), ranked or not; ids the source does not
    /// know are left out of the answer.
    fn coins<'a>(&'a self, ids: &'a [CoinId]) -> BoxFuture<'a, Result<Vec<Coin>, FetchError>>;

    /// What a US dollar buys in every currency pages can show, in one call.
    fn exchange_rates(&self) -> BoxFuture<'_, Result<ExchangeRates, FetchError>>;

    /// A coin's prices over `range`.
    fn market_chart<'a>(
        &'a self,
        id: &'a CoinId,
        range: ChartRange,
    ) -> BoxFuture<'a, Result<Series, FetchError>>;

    /// History the source can give for free, without a request (the demo's generated past):
    /// points after `after` (unix seconds, per coin) up to `now`. Remote sources have none.
    fn backfill(&self, _ids: &[(CoinId, Option<i64>)], _now: i64) -> Vec<(CoinId, PricePoint)> {
        Vec::new()
    }

    /// Logos the source draws itself (the demo's), with no request: each coin's id, a name
    /// for the drawing (stored as its source URL) and the picture's bytes. Remote sources
    /// have none: their coins' `image` URLs are fetched (see `crate::logos`).
    fn own_logos(&self) -> Vec<(CoinId, String, Vec<u8>)> {
        Vec::new()
    }
}

/// Why a fetch failed. The message never holds the API key (it travels in a header).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("rate limited by the upstream (HTTP 429){}", retry_after_text(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("the upstream answered HTTP {status}")]
    Status { status: u16 },
    #[error("the upstream could not be reached: {0}")]
    Transport(String),
    #[error("the upstream's answer was not usable: {0}")]
    Malformed(String),
    #[error("the upstream reported an error: {0}")]
    Reported(String),
}

fn retry_after_text(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| format!("; retry after {}s", d.as_secs()))
}

impl FetchError {
    /// How long the upstream asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}
