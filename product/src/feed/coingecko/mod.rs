//! The CoinGecko source over reqwest: `/coins/markets` (pages of 250 coins with 7-day
//! sparklines and 1h/24h/7d changes, or given ids), `/global`, `/coins/list`,
//! `/exchange_rates` (every currency in one call), and `/coins/{id}/market_chart` for longer
//! ranges. One method, one call.
//!
//! Every request has a timeout and a cap on the body it will read; the API key travels in the
//! plan's header, marked sensitive, and never in a URL or a log line.

pub mod parse;

use crate::config::CoinGeckoConfig;
use crate::feed::{FetchError, MarketSource};
use crate::market::{
    ChartRange, Coin, CoinId, ExchangeRates, GlobalFigures, ListedCoin, MarketData, Series,
    SourceKind,
};
use futures_util::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use std::time::Duration;

/// The whole request, connection to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// 250 coins with sparklines are about a megabyte, and the coin list about two; anything far
/// larger is not CoinGecko.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Coins per `/coins/markets` page (the API's maximum).
pub const PER_PAGE: u32 = 250;

pub struct CoinGecko {
    client: reqwest::Client,
    base_url: Url,
}

impl CoinGecko {
    pub fn new(config: &CoinGeckoConfig) -> Result<Self, String> {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        if let Some(key) = &config.api_key {
            let mut value = HeaderValue::from_str(key.expose())
                .map_err(|_| "COINGECKO_API_KEY: not a valid header value".to_owned())?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static(config.plan.header_name()), value);
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("coinwatch-product/", env!("CARGO_PKG_VERSION")))
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            // Redirects could carry the key header to another host; CoinGecko does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            client,
            base_url: config.base_url.clone(),
        })
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// GETs `url` and returns its body, or why not.
    async fn get(&self, url: Url) -> Result<Vec<u8>, FetchError> {
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| FetchError::Transport(describe(&e)))?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, shared_ui::format::now_unix()));
            return Err(FetchError::RateLimited { retry_after });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(FetchError::Malformed(format!(
                "the body is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Transport(describe(&e)))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(FetchError::Malformed(format!(
                    "the body is larger than {MAX_BODY_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// A transport error without the URL's query (nothing secret is there, but it is noise).
fn describe(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "the body could not be read"
    } else {
        "request failed"
    };
    match err.url() {
        Some(url) => format!("{what} ({}{})", url.host_str().unwrap_or(""), url.path()),
        None => what.to_owned(),
    }
}

/// Whether `body` is an empty JSON list (`[]`, spaces allowed).
fn is_empty_list(body: &[u8]) -> bool {
    body.iter()
        .filter(|b| !b.is_ascii_whitespace())
        .eq(b"[]".iter())
}

/// `Retry-After` as seconds or an HTTP date, relative to `now` (unix seconds).
pub fn parse_retry_after(value: &str, now: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    Some(Duration::from_secs(
        u64::try_from(at.unix_timestamp() - now).unwrap_or(0),
    ))
}

impl MarketSource for CoinGecko {
    fn kind(&self) -> SourceKind {
        SourceKind::CoinGecko
    }

    fn markets_page(
        &self,
        page: u32,
        per_page: u32,
    ) -> BoxFuture<'_, Result<MarketData, FetchError>> {
        Box::pin(async move {
            let per_page = per_page.clamp(1, PER_PAGE).to_string();
            let page = page.max(1).to_string();
            let url = self.url(
                &["coins", "markets"],
                &[
                    ("vs_currency", "usd"),
                    ("order", "market_cap_desc"),
                    ("per_page", &per_page),
                    ("page", &page),
                    ("sparkline", "true"),
                    ("price_change_percentage", "1h,24h,7d"),
                ],
            );
            let body = self.get(url).await?;
            let now = shared_ui::format::now_unix();
            // Past the end of a market smaller than the listing: no coins, not an error.
            if page != "1" && is_empty_list(&body) {
                return Ok(MarketData::new(Vec::new(), None, now));
            }
            parse::markets(&body, now)
        })
    }

    fn global(&self) -> BoxFuture<'_, Result<Option<GlobalFigures>, FetchError>> {
        Box::pin(async move {
            let body = self.get(self.url(&["global"], &[])).await?;
            parse::global(&body)
        })
    }

    fn coin_list(&self) -> BoxFuture<'_, Result<Vec<ListedCoin>, FetchError>> {
        Box::pin(async move {
            let body = self.get(self.url(&["coins", "list"], &[])).await?;
            parse::coin_list(&body)
        })
    }

    fn coins<'a>(&'a self, ids: &'a [CoinId]) -> BoxFuture<'a, Result<Vec<Coin>, FetchError>> {
        Box::pin(async move {
            let joined = ids
                .iter()
                .take(PER_PAGE as usize)
                .map(CoinId::as_str)
                .collect::<Vec<_>>()
                .join(",");
            let url = self.url(
                &["coins", "markets"],
                &[
                    ("vs_currency", "usd"),
                    ("ids", &joined),
                    ("sparkline", "true"),
                    ("price_change_percentage", "1h,24h,7d"),
                ],
            );
            let body = self.get(url).await?;
            if body
                .iter()
                .filter(|b| !b.is_ascii_whitespace())
                .eq(b"[]".iter())
            {
                return Ok(Vec::new());
            }
            Ok(parse::markets(&body, shared_ui::format::now_unix())?.coins)
        })
    }

    fn exchange_rates(&self) -> BoxFuture<'_, Result<ExchangeRates, FetchError>> {
        Box::pin(async move {
            let body = self.get(self.url(&["exchange_rates"], &[])).await?;
            parse::exchange_rates(&body, shared_ui::format::now_unix())
        })
    }

    fn market_chart<'a>(
        &'a self,
        id: &'a CoinId,
        range: ChartRange,
    ) -> BoxFuture<'a, Result<Series, FetchError>> {
        Box::pin(async move {
            let days = range.days().to_string();
            let url = self.url(
                &["coins", id.as_str(), "market_chart"],
                &[("vs_currency", "usd"), ("days", &days)],
            );
            let body = self.get(url).await?;
            parse::market_chart(&body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("120", 0), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", 0), Some(Duration::ZERO));
        let now = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn urls_keep_the_base_path_and_escape_segments() {
        let config = CoinGeckoConfig {
            base_url: Url::parse("https://api.coingecko.com/api/v3/").expect("url"),
            api_key: None,
            plan: crate::config::ApiPlan::Demo,
        };
        let source = CoinGecko::new(&config).expect("client");
        assert_eq!(
            source
                .url(
                    &["coins", "markets"],
                    &[
                        ("per_page", "250"),
                        ("price_change_percentage", "1h,24h,7d")
                    ]
                )
                .as_str(),
            "https://api.coingecko.com/api/v3/coins/markets?per_page=250&price_change_percentage=1h%2C24h%2C7d"
        );
        assert_eq!(
            source.url(&["global"], &[]).as_str(),
            "https://api.coingecko.com/api/v3/global"
        );
    }
}
