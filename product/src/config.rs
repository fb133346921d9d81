//! The product service's configuration, from the environment.
//!
//! | variable | meaning |
//! |---|---|
//! | `MARKET_SOURCE` | `coingecko` or `demo`; required by the `product` binary, `demo` by default in `site` |
//! | `COINGECKO_BASE_URL` | default `https://api.coingecko.com/api/v3` (`https://pro-api.coingecko.com/api/v3` on the pro plan) |
//! | `COINGECKO_API_KEY` | optional; sent in the header of `COINGECKO_API_PLAN` |
//! | `COINGECKO_API_PLAN` | `demo` (header `x-cg-demo-api-key`, the default) or `pro` (`x-cg-pro-api-key`) |
//! | `COINGECKO_MONTHLY_CALLS`, `COINGECKO_CALLS_PER_MINUTE` | the plan's call budget; Demo: 10,000 and 30, pro: the smallest paid plan's 100,000 and 250 (see [`crate::budget`]); either overrides its default |
//! | `MARKET_TOP_COINS` | how many ranked coins the listing keeps fresh, 1 to 5,000, default 1,000 (four pages of 250) |
//! | `MARKET_REFRESH_SECS` | a request for the top page's interval; the planner lengthens it when the budget cannot afford it, and says so. Unset: the planner's choice. At least 60 against CoinGecko's own hosts; a stand-in upstream in tests may go down to 1 |
//! | `MARKET_STALE_SECS` | age after which pages show the stale banner: default 600 or two top-page intervals, whichever is longer; at least one interval |
//! | `MARKET_LOGO_HOSTS` | comma-separated host names coin logos may be fetched from (https only); default `coin-images.coingecko.com,assets.coingecko.com` |
//! | `MARKET_LOGO_ALLOW_LOCAL` | `true` lets logo fetches reach private and loopback addresses, over plain http too: for tests and the local mock only. Default `false` |
//! | `PUBLIC_URL` | the site's origin as visitors reach it (`https://coinwatch.example`), for canonical links and Open Graph URLs; without it pages carry neither. `site` defaults to `http://` and its `BIND` |
//! | `LIVE_STREAMS_MAX` | live price streams (`GET /prices/live`) open at once in this process, at least 1; beyond it a stream is refused with 503 and `Retry-After`. Default 500 |
//! | `BENCH_CEILING` | `true` mounts `GET /_bench/ceiling` for `bench/run`; never set it in production. Default `false` |

use crate::budget::{CallBudget, Plan};
use crate::market::SourceKind;
use chassis::config::{
    CommonConfig, ConfigError, LocalDefaults, Source, optional_var, required_var, var_bool,
    var_parsed, var_secs,
};
use chassis::db::DatabaseUrl;
use reqwest::Url;
use std::time::Duration;

pub const COINGECKO_PUBLIC_URL: &str = "https://api.coingecko.com/api/v3";
pub const COINGECKO_PRO_URL: &str = "https://pro-api.coingecko.com/api/v3";

#[derive(Debug, Clone)]
pub struct Config {
    pub common: CommonConfig,
    pub database_url: DatabaseUrl,
    pub market: MarketConfig,
    /// Mounts the benchmark's ceiling route (`BENCH_CEILING`); off unless asked for.
    pub bench_ceiling: bool,
    /// Where visitors reach the site (`PUBLIC_URL`), for absolute links in page metadata.
    pub public_url: Option<PublicUrl>,
    /// Live price streams open at once (`LIVE_STREAMS_MAX`).
    pub live_streams_max: usize,
}

/// The site's origin as visitors see it: `https://coinwatch.example`, no path, no slash at
/// the end. Canonical links and Open Graph URLs are built on it, never on a request's `Host`,
/// which a client chooses and a kept listing page would repeat to everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(var: &'static str, raw: &str) -> Result<Self, ConfigError> {
        const EXPECTS: &str = "an http(s) origin such as https://coinwatch.example";
        let url = Url::parse(raw.trim())
            .map_err(|_| ConfigError::new(var, format!("expected {EXPECTS}, got {raw:?}")))?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !plain {
            return Err(ConfigError::new(
                var,
                format!("expected {EXPECTS} without path, query or credentials, got {raw:?}"),
            ));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The origin without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute URL of a local path (`/coins/bitcoin`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

#[derive(Debug, Clone)]
pub struct MarketConfig {
    pub source: SourceKind,
    pub coingecko: CoinGeckoConfig,
    /// `MARKET_REFRESH_SECS`: what the operator asked for; the plan may lengthen it.
    pub requested_refresh: Option<Duration>,
    pub stale_after: Duration,
    /// `MARKET_TOP_COINS`: the ranked coins the listing keeps fresh.
    pub top_coins: u32,
    pub budget: CallBudget,
    /// Where coin logos may come from (`MARKET_LOGO_HOSTS`, `MARKET_LOGO_ALLOW_LOCAL`).
    pub logos: LogoSources,
}

/// The hosts coin logos may be fetched from, and whether private addresses are allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoSources {
    /// Lower-case host names, matched exactly.
    pub hosts: Vec<String>,
    /// Private and loopback addresses (and plain http) allowed: tests and the local mock only.
    pub allow_local: bool,
}

/// CoinGecko's image CDN, where `/coins/markets` points each coin's `image`.
pub const DEFAULT_LOGO_HOSTS: &str = "coin-images.coingecko.com,assets.coingecko.com";

impl LogoSources {
    pub fn from_env(env: &dyn Source) -> Result<Self, ConfigError> {
        const VAR: &str = "MARKET_LOGO_HOSTS";
        let raw = optional_var(env, VAR).unwrap_or_else(|| DEFAULT_LOGO_HOSTS.to_owned());
        let hosts = raw
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .map(|host| {
                let plain = host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                if plain && !host.starts_with('.') && !host.ends_with('.') {
                    Ok(host)
                } else {
                    Err(ConfigError::new(
                        VAR,
                        format!(
                            "expected comma-separated host names (no scheme, port or path), got {host:?}"
                        ),
                    ))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            hosts,
            allow_local: var_bool(env, "MARKET_LOGO_ALLOW_LOCAL", false)?,
        })
    }
}

impl MarketConfig {
    /// The refresher's plan. The demo source spends nothing, so its budget is whatever
    /// keeps its pages as fresh as asked.
    pub fn plan(&self) -> Plan {
        Plan::new(self.budget, self.pages(), self.requested_refresh)
    }

    /// Pages of `/coins/markets` the ranked coins take.
    pub fn pages(&self) -> u32 {
        self.top_coins.div_ceil(crate::feed::coingecko::PER_PAGE)
    }
}

#[derive(Debug, Clone)]
pub struct CoinGeckoConfig {
    pub base_url: Url,
    pub api_key: Option<ApiKey>,
    pub plan: ApiPlan,
}

/// Which CoinGecko plan the key belongs to; it decides the header the key is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiPlan {
    Demo,
    Pro,
}

impl ApiPlan {
    pub fn header_name(&self) -> &'static str {
        match self {
            Self::Demo => "x-cg-demo-api-key",
            Self::Pro => "x-cg-pro-api-key",
        }
    }
}

/// A CoinGecko API key; never printed.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// The shortest poll interval against CoinGecko's own hosts, whose free tier allows a few
/// calls a minute and a monthly quota.
const COINGECKO_MIN_REFRESH_SECS: u64 = 60;

impl Config {
    /// The standalone `product` binary: `DATABASE_URL`, `MARKET_SOURCE` and the common variables.
    pub fn from_env(env: &dyn Source, defaults: &LocalDefaults) -> Result<Self, ConfigError> {
        let common = CommonConfig::from_env(env, defaults)?;
        let raw = required_var(env, "DATABASE_URL", "postgres://… or sqlite://path")?;
        let database_url = DatabaseUrl::parse("DATABASE_URL", &raw)?;
        let market = MarketConfig::from_env(env, None)?;
        Ok(Self {
            common,
            database_url,
            market,
            bench_ceiling: var_bool(env, "BENCH_CEILING", false)?,
            public_url: public_url(env)?,
            live_streams_max: live_streams_max(env)?,
        })
    }

    /// Product's own settings over an already-read common config and database: the `site`
    /// binary, where `MARKET_SOURCE` defaults to `demo` so a laptop needs no setup, and
    /// `PUBLIC_URL` to the address it listens on.
    pub fn with_database(
        env: &dyn Source,
        common: CommonConfig,
        database_url: DatabaseUrl,
    ) -> Result<Self, ConfigError> {
        let public_url = match public_url(env)? {
            Some(url) => Some(url),
            None => PublicUrl::parse("BIND", &format!("http://{}", common.bind)).ok(),
        };
        Ok(Self {
            common,
            database_url,
            market: MarketConfig::from_env(env, Some(SourceKind::Demo))?,
            bench_ceiling: var_bool(env, "BENCH_CEILING", false)?,
            public_url,
            live_streams_max: live_streams_max(env)?,
        })
    }
}

/// Each stream holds a connection and a task for up to 15 minutes; the default leaves most
/// of a task's connections to pages.
const LIVE_STREAMS_DEFAULT: usize = 500;

fn live_streams_max(env: &dyn Source) -> Result<usize, ConfigError> {
    const EXPECTS: &str = "a whole number of streams, at least 1";
    let max = var_parsed(env, "LIVE_STREAMS_MAX", LIVE_STREAMS_DEFAULT, EXPECTS)?;
    if max == 0 {
        return Err(ConfigError::new(
            "LIVE_STREAMS_MAX",
            format!("expected {EXPECTS}, got 0"),
        ));
    }
    Ok(max)
}

fn public_url(env: &dyn Source) -> Result<Option<PublicUrl>, ConfigError> {
    optional_var(env, "PUBLIC_URL")
        .map(|raw| PublicUrl::parse("PUBLIC_URL", &raw))
        .transpose()
}

impl MarketConfig {
    /// Reads the market variables; `default_source` applies when `MARKET_SOURCE` is unset.
    pub fn from_env(
        env: &dyn Source,
        default_source: Option<SourceKind>,
    ) -> Result<Self, ConfigError> {
        const SOURCE_EXPECTS: &str = "coingecko or demo";
        let source = match (optional_var(env, "MARKET_SOURCE"), default_source) {
            (Some(raw), _) => SourceKind::parse(&raw.to_ascii_lowercase()).ok_or_else(|| {
                ConfigError::new(
                    "MARKET_SOURCE",
                    format!("expected {SOURCE_EXPECTS}, got {raw:?}"),
                )
            })?,
            (None, Some(default)) => default,
            (None, None) => {
                return Err(ConfigError::new(
                    "MARKET_SOURCE",
                    format!("is not set; expected {SOURCE_EXPECTS}"),
                ));
            }
        };

        let plan = match optional_var(env, "COINGECKO_API_PLAN")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("demo") => ApiPlan::Demo,
            Some("pro") => ApiPlan::Pro,
            Some(other) => {
                return Err(ConfigError::new(
                    "COINGECKO_API_PLAN",
                    format!("expected demo or pro, got {other:?}"),
                ));
            }
        };
        let api_key = match optional_var(env, "COINGECKO_API_KEY") {
            None => None,
            Some(key) if key.bytes().all(|b| b.is_ascii_graphic()) && key.len() <= 200 => {
                Some(ApiKey(key))
            }
            Some(_) => {
                return Err(ConfigError::new(
                    "COINGECKO_API_KEY",
                    "expected the key as CoinGecko shows it: printable characters without spaces",
                ));
            }
        };
        if source == SourceKind::CoinGecko && plan == ApiPlan::Pro && api_key.is_none() {
            return Err(ConfigError::new(
                "COINGECKO_API_KEY",
                "is not set; COINGECKO_API_PLAN=pro needs the plan's key",
            ));
        }
        let base_url = match optional_var(env, "COINGECKO_BASE_URL") {
            Some(raw) => parse_base_url(&raw, api_key.is_some())?,
            None => {
                let default = if plan == ApiPlan::Pro {
                    COINGECKO_PRO_URL
                } else {
                    COINGECKO_PUBLIC_URL
                };
                Url::parse(default)
                    .map_err(|e| ConfigError::new("COINGECKO_BASE_URL", e.to_string()))?
            }
        };

        let requested_refresh = optional_var(env, "MARKET_REFRESH_SECS")
            .map(|_| var_secs(env, "MARKET_REFRESH_SECS", 0, 1..=86_400))
            .transpose()?;
        let default_budget = match (source, plan) {
            // The demo source makes no calls: a budget that never binds.
            (SourceKind::Demo, _) => CallBudget {
                monthly_calls: 100_000_000,
                per_minute: 10_000,
            },
            (SourceKind::CoinGecko, ApiPlan::Demo) => CallBudget::DEMO,
            (SourceKind::CoinGecko, ApiPlan::Pro) => CallBudget::SMALLEST_PAID,
        };
        let budget = CallBudget {
            monthly_calls: var_parsed(
                env,
                "COINGECKO_MONTHLY_CALLS",
                default_budget.monthly_calls,
                "a whole number of calls a month, at least 1000",
            )?,
            per_minute: var_parsed(
                env,
                "COINGECKO_CALLS_PER_MINUTE",
                default_budget.per_minute,
                "a whole number of calls a minute, at least 1",
            )?,
        };
        if budget.monthly_calls < 1000 {
            return Err(ConfigError::new(
                "COINGECKO_MONTHLY_CALLS",
                format!(
                    "expected at least 1000 calls a month (a daily coin list and an hourly top page need that much), got {}",
                    budget.monthly_calls
                ),
            ));
        }
        if budget.per_minute == 0 {
            return Err(ConfigError::new(
                "COINGECKO_CALLS_PER_MINUTE",
                "expected at least 1 call a minute, got 0",
            ));
        }
        let top_coins: u32 = var_parsed(
            env,
            "MARKET_TOP_COINS",
            1000,
            "a whole number of coins from 1 to 5000",
        )?;
        if !(1..=5000).contains(&top_coins) {
            return Err(ConfigError::new(
                "MARKET_TOP_COINS",
                format!("expected a whole number of coins from 1 to 5000, got {top_coins}"),
            ));
        }
        let planned = Plan::new(
            budget,
            top_coins.div_ceil(crate::feed::coingecko::PER_PAGE),
            requested_refresh,
        );
        let refresh_interval = planned.top_interval;
        let against_coingecko_itself = base_url
            .host_str()
            .is_some_and(|h| h == "coingecko.com" || h.ends_with(".coingecko.com"));
        if source == SourceKind::CoinGecko
            && against_coingecko_itself
            && requested_refresh.is_some_and(|r| r.as_secs() < COINGECKO_MIN_REFRESH_SECS)
        {
            return Err(ConfigError::new(
                "MARKET_REFRESH_SECS",
                format!(
                    "expected at least {COINGECKO_MIN_REFRESH_SECS} seconds against CoinGecko (its rate limits), got {}",
                    requested_refresh.map_or(0, |r| r.as_secs())
                ),
            ));
        }
        let stale_after = var_secs(
            env,
            "MARKET_STALE_SECS",
            600.max(refresh_interval.as_secs() * 2),
            1..=7 * 86_400,
        )?;
        if stale_after < refresh_interval {
            return Err(ConfigError::new(
                "MARKET_STALE_SECS",
                format!(
                    "expected at least the top page's planned interval ({}s), or every page would be stale between refreshes, got {}",
                    refresh_interval.as_secs(),
                    stale_after.as_secs()
                ),
            ));
        }

        Ok(Self {
            source,
            coingecko: CoinGeckoConfig {
                base_url,
                api_key,
                plan,
            },
            requested_refresh,
            stale_after,
            top_coins,
            budget,
            logos: LogoSources::from_env(env)?,
        })
    }
}

/// An http(s) URL with a host and no query or credentials. Plain http is refused when a key
/// would travel over it to another machine.
fn parse_base_url(raw: &str, has_key: bool) -> Result<Url, ConfigError> {
    const VAR: &str = "COINGECKO_BASE_URL";
    let url = Url::parse(raw)
        .map_err(|_| ConfigError::new(VAR, format!("expected an http(s) URL, got {raw:?}")))?;
    let Some(host) = url.host_str() else {
        return Err(ConfigError::new(
            VAR,
            format!("expected an http(s) URL with a host, got {raw:?}"),
        ));
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::new(
            VAR,
            format!("expected an http(s) URL, got scheme {:?}", url.scheme()),
        ));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(ConfigError::new(
            VAR,
            "expected a plain base URL without credentials, query or fragment",
        ));
    }
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.scheme() == "http" && has_key && !loopback {
        return Err(ConfigError::new(
            VAR,
            "expected https: the API key must not travel in clear text",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(env: &[(&str, &str)]) -> Result<MarketConfig, ConfigError> {
        let map: std::collections::HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        MarketConfig::from_env(&map, None)
    }

    #[test]
    fn a_public_url_is_a_bare_http_origin() {
        let url = PublicUrl::parse("PUBLIC_URL", "https://coinwatch.example/").expect("an origin");
        assert_eq!(
            url.join("/coins/bitcoin"),
            "https://coinwatch.example/coins/bitcoin"
        );
        assert_eq!(
            PublicUrl::parse("PUBLIC_URL", "http://127.0.0.1:8080")
                .expect("an origin")
                .as_str(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "coinwatch.example",
            "ftp://coinwatch.example",
            "https://coinwatch.example/app",
            "https://coinwatch.example/?x=1",
            "https://user:pw@coinwatch.example",
        ] {
            assert_eq!(
                PublicUrl::parse("PUBLIC_URL", bad).map_err(|e| e.var),
                Err("PUBLIC_URL"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_product_binary_needs_a_market_source_and_the_site_defaults_to_demo() {
        assert_eq!(market(&[]).unwrap_err().var, "MARKET_SOURCE");
        let site = MarketConfig::from_env(&[("X", "")], Some(SourceKind::Demo)).expect("defaults");
        assert_eq!(site.source, SourceKind::Demo);
        assert_eq!(site.requested_refresh, None);
        assert_eq!(site.plan().top_interval, Duration::from_secs(60));
        assert_eq!(site.stale_after, Duration::from_secs(600));
        assert_eq!((site.top_coins, site.pages()), (1000, 4));
    }

    #[test]
    fn logos_come_from_coingecko_s_image_hosts_unless_told_otherwise() {
        let config = market(&[("MARKET_SOURCE", "coingecko")]).expect("valid");
        assert_eq!(
            config.logos.hosts,
            ["coin-images.coingecko.com", "assets.coingecko.com"]
        );
        assert!(!config.logos.allow_local);
        let config = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("MARKET_LOGO_HOSTS", " Img.Example , 127.0.0.1"),
            ("MARKET_LOGO_ALLOW_LOCAL", "1"),
        ])
        .expect("valid");
        assert_eq!(config.logos.hosts, ["img.example", "127.0.0.1"]);
        assert!(config.logos.allow_local);
    }

    #[test]
    fn coingecko_defaults_to_the_public_api_without_a_key() {
        let cfg = market(&[("MARKET_SOURCE", "coingecko")]).expect("valid");
        assert_eq!(cfg.coingecko.base_url.as_str(), COINGECKO_PUBLIC_URL);
        assert!(cfg.coingecko.api_key.is_none());
    }

    #[test]
    fn the_plan_picks_the_header_and_the_pro_host() {
        let cfg = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("COINGECKO_API_KEY", "CG-abc"),
            ("COINGECKO_API_PLAN", "pro"),
        ])
        .expect("valid");
        assert_eq!(cfg.coingecko.plan.header_name(), "x-cg-pro-api-key");
        assert_eq!(cfg.coingecko.base_url.as_str(), COINGECKO_PRO_URL);
        let cfg = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("COINGECKO_API_KEY", "CG-abc"),
        ])
        .expect("valid");
        assert_eq!(cfg.coingecko.plan.header_name(), "x-cg-demo-api-key");
        assert!(
            !format!("{cfg:?}").contains("CG-abc"),
            "the key leaks through Debug"
        );
    }

    #[test]
    fn every_invalid_value_names_its_variable_in_one_line() {
        for (env, var) in [
            (vec![("MARKET_SOURCE", "binance")], "MARKET_SOURCE"),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("MARKET_LOGO_HOSTS", "https://coin-images.coingecko.com/"),
                ],
                "MARKET_LOGO_HOSTS",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("MARKET_LOGO_ALLOW_LOCAL", "sometimes"),
                ],
                "MARKET_LOGO_ALLOW_LOCAL",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("COINGECKO_API_PLAN", "enterprise"),
                ],
                "COINGECKO_API_PLAN",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "coingecko"),
                    ("COINGECKO_API_PLAN", "pro"),
                ],
                "COINGECKO_API_KEY",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("COINGECKO_API_KEY", "has space"),
                ],
                "COINGECKO_API_KEY",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("COINGECKO_BASE_URL", "api.coingecko.com"),
                ],
                "COINGECKO_BASE_URL",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("COINGECKO_BASE_URL", "ftp://example.com/"),
                ],
                "COINGECKO_BASE_URL",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("COINGECKO_BASE_URL", "https://u:p@example.com/"),
                ],
                "COINGECKO_BASE_URL",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "coingecko"),
                    ("COINGECKO_API_KEY", "k"),
                    ("COINGECKO_BASE_URL", "http://proxy.internal/v3"),
                ],
                "COINGECKO_BASE_URL",
            ),
            (
                vec![("MARKET_SOURCE", "demo"), ("MARKET_REFRESH_SECS", "0")],
                "MARKET_REFRESH_SECS",
            ),
            (
                vec![("MARKET_SOURCE", "demo"), ("MARKET_REFRESH_SECS", "often")],
                "MARKET_REFRESH_SECS",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "coingecko"),
                    ("MARKET_REFRESH_SECS", "10"),
                ],
                "MARKET_REFRESH_SECS",
            ),
            (
                vec![("MARKET_SOURCE", "demo"), ("MARKET_STALE_SECS", "-5")],
                "MARKET_STALE_SECS",
            ),
            (
                vec![
                    ("MARKET_SOURCE", "demo"),
                    ("MARKET_REFRESH_SECS", "300"),
                    ("MARKET_STALE_SECS", "100"),
                ],
                "MARKET_STALE_SECS",
            ),
        ] {
            let err = market(&env).expect_err(&format!("{env:?} was accepted"));
            assert_eq!(err.var, var, "{err}");
            assert!(err.to_string().starts_with(&format!("{var}: ")), "{err}");
            assert!(!err.to_string().contains('\n'), "{err}");
        }
    }

    #[test]
    fn the_budget_comes_from_the_plan_and_either_variable_overrides_it() {
        let demo = market(&[("MARKET_SOURCE", "coingecko")]).expect("valid");
        assert_eq!(demo.budget, CallBudget::DEMO);
        let pro = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("COINGECKO_API_PLAN", "pro"),
            ("COINGECKO_API_KEY", "k"),
        ])
        .expect("valid");
        assert_eq!(pro.budget, CallBudget::SMALLEST_PAID);
        let custom = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("COINGECKO_API_PLAN", "pro"),
            ("COINGECKO_API_KEY", "k"),
            ("COINGECKO_MONTHLY_CALLS", "500000"),
        ])
        .expect("valid");
        assert_eq!(custom.budget.monthly_calls, 500_000);
        assert_eq!(custom.budget.per_minute, 250);
        let minute = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("COINGECKO_CALLS_PER_MINUTE", "10"),
        ])
        .expect("valid");
        assert_eq!(minute.budget.monthly_calls, 10_000);
        assert_eq!(minute.budget.per_minute, 10);
    }

    #[test]
    fn a_requested_interval_the_budget_cannot_afford_is_lengthened_not_refused() {
        let cfg = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("MARKET_REFRESH_SECS", "120"),
        ])
        .expect("valid");
        let plan = cfg.plan();
        assert_eq!(plan.lengthened_from, Some(Duration::from_secs(120)));
        assert!(plan.top_interval > Duration::from_secs(120));
        assert!(cfg.stale_after >= plan.top_interval);
        for (var, value) in [
            ("COINGECKO_MONTHLY_CALLS", "500"),
            ("COINGECKO_MONTHLY_CALLS", "lots"),
            ("COINGECKO_CALLS_PER_MINUTE", "0"),
            ("MARKET_TOP_COINS", "0"),
            ("MARKET_TOP_COINS", "10000"),
        ] {
            let err = market(&[("MARKET_SOURCE", "coingecko"), (var, value)])
                .expect_err(&format!("{var}={value} was accepted"));
            assert_eq!(err.var, var, "{err}");
        }
    }

    #[test]
    fn a_stand_in_upstream_on_this_machine_may_be_polled_every_second() {
        let cfg = market(&[
            ("MARKET_SOURCE", "coingecko"),
            ("COINGECKO_BASE_URL", "http://127.0.0.1:9999/api/v3"),
            ("COINGECKO_API_KEY", "k"),
            ("COINGECKO_MONTHLY_CALLS", "100000000"),
            ("COINGECKO_CALLS_PER_MINUTE", "100000"),
            ("MARKET_REFRESH_SECS", "1"),
            ("MARKET_STALE_SECS", "5"),
        ])
        .expect("valid");
        assert_eq!(cfg.requested_refresh, Some(Duration::from_secs(1)));
        assert_eq!(cfg.stale_after, Duration::from_secs(5));
    }

    #[test]
    fn the_standalone_binary_reads_database_and_market_together() {
        let key = chassis::config::SessionKey::generate().to_base64();
        let env = [
            ("BIND", "127.0.0.1:0"),
            ("SESSION_KEY", key.as_str()),
            ("DATABASE_URL", "sqlite://data/p.db"),
            ("SESSION_STORE_URL", "redis://127.0.0.1:6379"),
        ];
        assert_eq!(
            Config::from_env(&env, &LocalDefaults::production())
                .unwrap_err()
                .var,
            "MARKET_SOURCE"
        );
    }
}
