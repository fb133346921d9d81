//! The market overview: global figures, the coin table sorted, paged and searched from the
//! query string, and the banners that say how current the prices are.

mod support;

use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// 120 coins whose figures are in a different order for every column.
fn many_coins() -> Vec<Value> {
    (1..=120u32)
        .map(|rank| {
            let price = f64::from((rank * 37) % 120 + 1);
            coin(
                &format!("coin-{rank:03}"),
                &format!("c{rank}"),
                &format!("Coin {:03}", (rank * 53) % 120),
                rank,
                price,
            )
        })
        .collect()
}

async fn listing_of(coins: Vec<Value>) -> (MockServer, TestApp) {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, Value::Array(coins)).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    (upstream, app)
}

/// The ids in the order a column sorts them: by `field` (ties in rank order), missing last.
fn expected_order(coins: &[Value], field: &str, descending: bool) -> Vec<String> {
    let mut sorted: Vec<&Value> = coins.iter().collect();
    sorted.sort_by(|a, b| {
        let (x, y) = (&a[field], &b[field]);
        match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if descending => y.total_cmp(&x),
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => {
                let (x, y) = (
                    x.as_str().unwrap_or("").to_lowercase(),
                    y.as_str().unwrap_or("").to_lowercase(),
                );
                if descending { y.cmp(&x) } else { x.cmp(&y) }
            }
        }
    });
    sorted
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[actix_web::test]
async fn a_visitor_sees_the_market_with_its_figures_and_the_time_of_the_prices() {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/global"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "active_cryptocurrencies": 17250,
            "total_market_cap": {"usd": 2.41e12},
            "total_volume": {"usd": 9.1e10},
            "market_cap_percentage": {"btc": 56.2}
        }})))
        .mount(&upstream)
        .await;
    let app = spawn(coingecko_env(&upstream)).await;
    // The top page, then the global figures: each call of the plan makes a snapshot.
    app.snapshot_version(2).await;

    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    assert_eq!(listed_ids(&html), ["bitcoin", "ethereum", "solana"]);
    for text in [
        "$64,231.50",
        "$3,412.55",
        "Total market cap",
        "$2.41T",
        "$91.0B",
        "56.2%",
        "17,250",
        "Prices as of",
    ] {
        assert!(html.contains(text), "the overview lacks {text:?}");
    }
    assert!(
        html.contains("<time datetime=\""),
        "the as-of time is machine-readable"
    );
    assert!(
        banners(&html).is_empty(),
        "fresh live data needs no banner: {:?}",
        banners(&html)
    );
}

#[actix_web::test]
async fn without_global_figures_the_overview_sums_the_listed_coins_and_says_so() {
    let (_upstream, app) = listing_of(three_coins().as_array().expect("a list").clone()).await;
    let (_, html) = app.page("/").await;
    assert!(
        html.contains("Market cap of listed coins"),
        "the scope of the figure is named"
    );
    assert!(html.contains("Coins listed"));
}

#[actix_web::test]
async fn every_change_is_signed_and_worded_not_just_coloured() {
    let (_upstream, app) = listing_of(three_coins().as_array().expect("a list").clone()).await;
    let (_, html) = app.page("/").await;
    // Bitcoin: rank 1, so 24h is 1 - 5 = -4%.
    assert!(html.contains("class=\"num change down change-24h\" data-live-change=\"24h\"><span aria-hidden=\"true\">▼</span>-4.00%<span class=\"visually-hidden\"> (down)</span>"), "{html}");
    assert!(
        html.contains("0.00%<span class=\"visually-hidden\"> (unchanged)"),
        "Solana's hour is flat"
    );
}

#[actix_web::test]
async fn the_coin_table_sorts_by_every_column_both_ways() {
    let coins = many_coins();
    let (_upstream, app) = listing_of(coins.clone()).await;
    for (key, field) in [
        ("price", "current_price"),
        ("name", "name"),
        ("change_1h", "price_change_percentage_1h_in_currency"),
        ("change_24h", "price_change_percentage_24h_in_currency"),
        ("change_7d", "price_change_percentage_7d_in_currency"),
        ("market_cap", "market_cap"),
        ("volume", "total_volume"),
        ("supply", "circulating_supply"),
        ("rank", "market_cap_rank"),
    ] {
        for dir in ["asc", "desc"] {
            let (status, html) = app
                .page(&format!("/?sort={key}&dir={dir}&per_page=100"))
                .await;
            assert_eq!(status, 200, "{key} {dir}");
            let expected = expected_order(&coins, field, dir == "desc");
            assert_eq!(listed_ids(&html), expected[..100], "sorted by {key} {dir}");
            let sorted = if dir == "asc" {
                "ascending"
            } else {
                "descending"
            };
            assert!(
                html.contains(&format!("aria-sort=\"{sorted}\"")),
                "the sorted column says so"
            );
        }
    }
}

#[actix_web::test]
async fn a_column_heading_links_to_the_other_direction_and_keeps_the_search() {
    let (_upstream, app) = listing_of(many_coins()).await;
    let (_, html) = app.page("/?q=coin&sort=price").await;
    let html = html.replace("&#38;", "&amp;");
    assert!(
        html.contains("href=\"/?q=coin&amp;sort=price&amp;dir=asc\""),
        "price sorts ascending next"
    );
    assert!(
        html.contains("href=\"/?q=coin&amp;sort=market_cap\""),
        "another column starts largest first"
    );
}

#[actix_web::test]
async fn the_table_pages_by_50_or_100_and_a_page_past_the_end_shows_the_last() {
    let coins = many_coins();
    let (_upstream, app) = listing_of(coins).await;
    let ids = |from: u32, to: u32| {
        (from..=to)
            .map(|r| format!("coin-{r:03}"))
            .collect::<Vec<_>>()
    };

    let (_, first) = app.page("/").await;
    assert_eq!(listed_ids(&first), ids(1, 50));
    assert!(first.contains("rel=\"next\""));
    let (_, third) = app.page("/?page=3").await;
    assert_eq!(listed_ids(&third), ids(101, 120));
    let (_, hundred) = app.page("/?per_page=100&page=2").await;
    assert_eq!(listed_ids(&hundred), ids(101, 120));
    let (status, beyond) = app.page("/?page=999").await;
    assert_eq!(status, 200);
    assert_eq!(listed_ids(&beyond), ids(101, 120), "the last page");
    assert!(beyond.contains("aria-current=\"page\">3</a>"));
}

#[actix_web::test]
async fn search_finds_coins_by_name_or_symbol_whatever_the_case() {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;

    let (_, html) = app.page("/?q=ETH").await;
    assert_eq!(listed_ids(&html), ["ethereum"]);
    let (_, html) = app.page("/?q=%20sol%20").await;
    assert_eq!(listed_ids(&html), ["solana"]);
    assert!(
        html.contains("value=\"sol\""),
        "the search box keeps the term"
    );
    let (status, html) = app.page("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(status, 200);
    assert!(listed_ids(&html).is_empty());
    assert!(!html.contains("<script>alert(1)"), "the term is escaped");
    assert!(html.contains("No coin matches"));
}

#[actix_web::test]
async fn a_malformed_listing_address_gets_a_clear_styled_400() {
    let (_upstream, app) = listing_of(three_coins().as_array().expect("a list").clone()).await;
    for (query, says) in [
        ("sort=colour", "sort column"),
        ("dir=sideways", "sort direction"),
        ("page=zero", "page"),
        ("page=0", "page"),
        ("per_page=100000", "page size"),
        ("per_page=-1", "page size"),
    ] {
        let (status, html) = app.page(&format!("/?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains("<main"), "{query}: the styled error page");
        assert!(html.contains(says), "{query}: the page names the problem");
    }
    let (status, _) = app.page(&format!("/?q={}", "x".repeat(200))).await;
    assert_eq!(status, 400, "an absurd search");
}

#[actix_web::test]
async fn old_prices_carry_a_stale_banner_with_their_time() {
    let old = shared_ui::format::now_unix() - 3 * 86_400;
    let mut coins = three_coins();
    for c in coins.as_array_mut().expect("a list") {
        c["last_updated"] = Value::from(iso(old));
    }
    let upstream = MockServer::start().await;
    serve_markets(&upstream, coins).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;

    for page in ["/", "/coins/bitcoin", "/no/such/page"] {
        let (_, html) = app.page(page).await;
        let banners = banners(&html);
        assert!(
            banners
                .iter()
                .any(|b| b.contains("Stale") && b.contains(&shared_ui::format::utc_datetime(old))),
            "{page}: {banners:?}"
        );
    }
}

#[actix_web::test]
async fn the_demo_feed_fills_the_site_and_says_it_is_demo_data_on_every_page() {
    let app = spawn(env_of(&[("MARKET_SOURCE", "demo")])).await;
    app.snapshot_version(1).await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    assert_eq!(listed_ids(&html).len(), 50);
    assert_eq!(listed_ids(&html)[0], "bitcoin");
    for page in [
        "/",
        "/?page=2",
        "/coins/ethereum",
        "/coins/nope",
        "/watchlist-nope",
    ] {
        let (_, html) = app.page(page).await;
        assert!(
            banners(&html).iter().any(|b| b.contains("Demo data")),
            "{page} lacks the demo banner"
        );
    }
}

#[actix_web::test]
async fn the_upstream_is_asked_for_250_coins_with_sparklines_and_changes_and_the_key() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .and(query_param("vs_currency", "usd"))
        .and(query_param("per_page", "250"))
        .and(query_param("sparkline", "true"))
        .and(query_param("price_change_percentage", "1h,24h,7d"))
        .and(wiremock::matchers::header("x-cg-demo-api-key", "test-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(three_coins()))
        .mount(&upstream)
        .await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    assert_eq!(listed_ids(&app.page("/").await.1).len(), 3);
}

#[actix_web::test]
async fn a_pro_key_travels_in_the_pro_header() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .and(wiremock::matchers::header("x-cg-pro-api-key", "test-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(three_coins()))
        .mount(&upstream)
        .await;
    let mut env = coingecko_env(&upstream);
    env.push(("COINGECKO_API_PLAN".into(), "pro".into()));
    let app = spawn(env).await;
    app.snapshot_version(1).await;
    let requests = upstream.received_requests().await.unwrap_or_default();
    assert!(
        requests
            .iter()
            .all(|r| !r.headers.contains_key("x-cg-demo-api-key"))
    );
}
