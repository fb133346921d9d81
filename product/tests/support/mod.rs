//! What the product's service tests share: the service started on port 0 with its own
//! database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set), a stand-in CoinGecko, a
//! way to sign a user in through the shared session, and readers for the pages.
#![allow(dead_code)]

use actix_web::{HttpResponse, web};
use chassis::config::CommonConfig;
use chassis::identity::{Identity, sign_in};
use chassis::routing::Route;
use chassis::server::Service;
use chassis::testing::{TestDatabase, TestServer, browser, common_config};
use product::{Config, ProductService};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub struct TestApp {
    pub server: TestServer,
    pub service: ProductService,
    pub db: Arc<TestDatabase>,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("a body"))
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("the server answers")
    }

    /// Signs `user_id` in through the shared session, as the login service would.
    pub async fn sign_in(&self, user_id: i64, name: &str) {
        let res = self
            .client
            .post(self.url(&format!("/test-login/{user_id}/{name}")))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(res.status(), 200, "signing in for the test");
    }

    /// Waits until the service has a snapshot at least as new as `version`.
    pub async fn snapshot_version(&self, version: u64) {
        let mut versions = self.service.feed().live().versions();
        let wait = versions.wait_for(|v| *v >= version);
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .expect("a market snapshot in time")
            .expect("the feed is running");
    }
}

/// The environment of a product whose upstream is `upstream`, refreshed every second: one
/// page of ranked coins, and a budget too large to bind (the stand-in counts nothing).
pub fn coingecko_env(upstream: &MockServer) -> Vec<(String, String)> {
    stand_in_env(&format!("{}/api/v3", upstream.uri()))
}

/// As [`coingecko_env`], for a stand-in at `base_url`.
pub fn stand_in_env(base_url: &str) -> Vec<(String, String)> {
    vec![
        ("MARKET_SOURCE".into(), "coingecko".into()),
        ("COINGECKO_BASE_URL".into(), base_url.to_owned()),
        ("COINGECKO_API_KEY".into(), "test-key".into()),
        ("COINGECKO_MONTHLY_CALLS".into(), "100000000".into()),
        ("COINGECKO_CALLS_PER_MINUTE".into(), "100000".into()),
        ("MARKET_TOP_COINS".into(), "250".into()),
        ("MARKET_REFRESH_SECS".into(), "1".into()),
        ("MARKET_STALE_SECS".into(), "600".into()),
        // The coins' images point at CoinGecko's CDN, which tests never reach: no logo host is
        // allowed but this machine (see `tests/logos.rs`).
        ("MARKET_LOGO_HOSTS".into(), "127.0.0.1".into()),
        ("MARKET_LOGO_ALLOW_LOCAL".into(), "true".into()),
    ]
}

/// `env` with `var` set to `value` (replacing what it held).
pub fn with_var(mut env: Vec<(String, String)>, var: &str, value: &str) -> Vec<(String, String)> {
    env.retain(|(k, _)| k != var);
    env.push((var.to_owned(), value.to_owned()));
    env
}

pub fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Starts the product with `env` on a fresh database.
pub async fn spawn(env: Vec<(String, String)>) -> TestApp {
    spawn_on(Arc::new(TestDatabase::new("product")), env, common_config()).await
}

/// Starts the product with `env` on `db` (shared by several instances in some tests).
pub async fn spawn_on(
    db: Arc<TestDatabase>,
    env: Vec<(String, String)>,
    common: CommonConfig,
) -> TestApp {
    let env: std::collections::HashMap<String, String> = env.into_iter().collect();
    let config =
        Config::with_database(&env, common.clone(), db.url.clone()).expect("a valid configuration");
    let service = ProductService::build(&config)
        .await
        .expect("the product starts");
    let services: Vec<Arc<dyn Service>> = vec![Arc::new(TestLogin), Arc::new(service.clone())];
    let server = TestServer::start(&common, services);
    TestApp {
        server,
        service,
        db,
        client: browser(),
    }
}

/// A stand-in for the login service: signs a user in with the chassis, on the shared session.
struct TestLogin;

static TEST_LOGIN: Route = Route {
    service: "test-login",
    prefix: "/test-login",
    default: false,
    path_patterns: &[],
};

impl Service for TestLogin {
    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::scope("/test-login").route("/{user_id}/{name}", web::post().to(test_sign_in)),
        );
    }
}

async fn test_sign_in(
    path: web::Path<(i64, String)>,
    session: actix_session::Session,
) -> HttpResponse {
    let (user_id, display_name) = path.into_inner();
    let identity = Identity {
        user_id,
        display_name,
        login_at: shared_ui::format::now_unix(),
    };
    match sign_in(&session, &identity) {
        Ok(()) => HttpResponse::Ok().finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The current time as CoinGecko writes it.
pub fn iso_now() -> String {
    iso(shared_ui::format::now_unix())
}

pub fn iso(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).expect("a time");
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A coin as `/coins/markets` sends it.
pub fn coin(id: &str, symbol: &str, name: &str, rank: u32, price: f64) -> Value {
    json!({
        "id": id, "symbol": symbol, "name": name,
        "image": format!("https://coin-images.coingecko.com/coins/images/{rank}/large/{id}.png"),
        "current_price": price, "market_cap": price * 1e6 * f64::from(200 - rank.min(199)),
        "market_cap_rank": rank, "fully_diluted_valuation": null,
        "total_volume": price * 1e5 * f64::from(rank), "high_24h": price * 1.05, "low_24h": price * 0.95,
        "price_change_percentage_24h": 1.5,
        "circulating_supply": 1e6 * f64::from(rank), "total_supply": 2e6 * f64::from(rank), "max_supply": 2e6 * f64::from(rank),
        "ath": price * 2.0, "ath_change_percentage": -50.0, "ath_date": "2024-03-14T07:10:36.635Z",
        "atl": price / 10.0, "atl_change_percentage": 900.0, "atl_date": "2015-10-20T00:00:00.000Z",
        "roi": null, "last_updated": iso_now(),
        "sparkline_in_7d": {"price": (0..168).map(|i| price * (1.0 + f64::from(i) / 1000.0)).collect::<Vec<_>>()},
        "price_change_percentage_1h_in_currency": 0.1 * f64::from(rank % 7) - 0.3,
        "price_change_percentage_24h_in_currency": f64::from(rank % 11) - 5.0,
        "price_change_percentage_7d_in_currency": f64::from(rank % 13) - 6.0
    })
}

/// Bitcoin, Ethereum and Solana.
pub fn three_coins() -> Value {
    json!([
        coin("bitcoin", "btc", "Bitcoin", 1, 64_231.5),
        coin("ethereum", "eth", "Ethereum", 2, 3_412.55),
        coin("solana", "sol", "Solana", 3, 190.25),
    ])
}

/// Serves `markets` at `/coins/markets` (and no `/global`) until reset.
pub async fn serve_markets(upstream: &MockServer, markets: Value) {
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(markets))
        .mount(upstream)
        .await;
}

/// How many times the upstream was asked for `/coins/markets`.
pub async fn markets_requests(upstream: &MockServer) -> usize {
    upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/api/v3/coins/markets")
        .count()
}

/// Waits until `check` holds, polling; panics with `what` if it never does.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {what}");
}

/// Every inline `<svg>…</svg>` of a page.
pub fn svgs(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let Some(len) = rest[start..].find("</svg>") else {
            break;
        };
        let end = start + len + "</svg>".len();
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

/// Parses an inline SVG as XML, panicking with the markup if it is not well formed.
pub fn assert_well_formed(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("malformed SVG ({e}):\n{svg}"))
}

/// The coin ids in the order the page lists them.
pub fn listed_ids(html: &str) -> Vec<String> {
    let marker = "<a class=\"coin-name\" href=\"/coins/";
    html.match_indices(marker)
        .map(|(i, _)| {
            let rest = &html[i + marker.len()..];
            rest[..rest.find('"').expect("a closing quote")].to_owned()
        })
        .collect()
}

/// The texts of the page's banners.
pub fn banners(html: &str) -> Vec<String> {
    html.match_indices("<div class=\"banner ")
        .map(|(i, _)| {
            let rest = &html[i..];
            let start = rest.find('>').expect("a tag end") + 1;
            let end = rest.find("</div>").expect("a closing div");
            rest[start..end].to_owned()
        })
        .collect()
}

/// Serves `/exchange_rates` as CoinGecko does (every value per bitcoin): a bitcoin is
/// $50,000, so a dollar buys 0.9 EUR, 0.8 GBP, 150 JPY, 0.00002 BTC and 0.0005 ETH.
pub async fn serve_rates(upstream: &MockServer) {
    let rate = |name: &str, unit: &str, value: f64, kind: &str| json!({"name": name, "unit": unit, "value": value, "type": kind});
    let body = json!({"rates": {
        "btc": rate("Bitcoin", "BTC", 1.0, "crypto"),
        "eth": rate("Ether", "ETH", 25.0, "crypto"),
        "usd": rate("US Dollar", "$", 50_000.0, "fiat"),
        "eur": rate("Euro", "€", 45_000.0, "fiat"),
        "gbp": rate("British Pound Sterling", "£", 40_000.0, "fiat"),
        "jpy": rate("Japanese Yen", "¥", 7_500_000.0, "fiat"),
        "xau": rate("Gold - Troy Ounce", "XAU", 19.5, "commodity")
    }});
    Mock::given(method("GET"))
        .and(path("/api/v3/exchange_rates"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(upstream)
        .await;
}

impl TestApp {
    /// Waits until the service has exchange rates.
    pub async fn rates_loaded(&self) {
        let live = self.service.feed().live().clone();
        eventually("exchange rates", || {
            let loaded = live.rates().is_some();
            async move { loaded }
        })
        .await;
    }
}
