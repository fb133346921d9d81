//! A coin's page: every figure, the supply bar, the all-time high and low, and a price chart
//! over four ranges that is always well-formed SVG, whatever the series looks like.

mod support;

use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn with_coins(coins: Value) -> (MockServer, TestApp) {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, coins).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    (upstream, app)
}

/// Coins whose sparklines are flat, a single point, empty, and empty without a price.
fn odd_series() -> Value {
    let mut flat = coin("flatcoin", "flat", "Flatcoin", 1, 5.0);
    flat["sparkline_in_7d"] = json!({"price": vec![5.0; 168]});
    let mut single = coin("onepoint", "one", "One Point", 2, 7.0);
    single["sparkline_in_7d"] = json!({"price": [7.0]});
    // A level line is a price that did not move: the feed's own changes say so too.
    for change in [
        "price_change_percentage_24h",
        "price_change_percentage_24h_in_currency",
        "price_change_percentage_7d_in_currency",
    ] {
        flat[change] = json!(0.0);
        single[change] = json!(0.0);
    }
    let mut empty = coin("emptycoin", "emp", "Empty Coin", 3, 9.0);
    empty["sparkline_in_7d"] = json!({"price": []});
    let mut nothing = coin("nothing", "no", "Nothing", 4, 1.0);
    nothing["sparkline_in_7d"] = Value::Null;
    nothing["current_price"] = Value::Null;
    json!([
        flat,
        single,
        empty,
        nothing,
        coin("bitcoin", "btc", "Bitcoin", 5, 64_000.0)
    ])
}

fn assert_every_svg_is_well_formed(html: &str) -> usize {
    let svgs = svgs(html);
    for svg in &svgs {
        let doc = assert_well_formed(svg);
        for node in doc.descendants() {
            for attribute in node.attributes() {
                assert!(
                    !attribute.value().contains("NaN") && !attribute.value().contains("inf"),
                    "{svg}"
                );
            }
            assert!(
                node.attribute("style").is_none(),
                "no style attributes under the CSP: {svg}"
            );
        }
    }
    svgs.len()
}

#[actix_web::test]
async fn a_coin_page_shows_every_figure_with_the_supply_bar_and_all_time_extremes() {
    let (_upstream, app) = with_coins(three_coins()).await;
    let (status, html) = app.page("/coins/bitcoin").await;
    assert_eq!(status, 200);
    for text in [
        "<h1 id=\"coin-title\">Bitcoin <span class=\"symbol\">btc</span></h1>",
        "Rank #1",
        "$64,231.50",
        "Market cap",
        "Fully diluted valuation",
        "Volume (24h)",
        "$67,443.07",
        "$61,019.93",
        "1,000,000",
        "2,000,000",
        "50.0% of the maximum supply is in circulation",
        "All-time high",
        "$128,463.00",
        "2024-03-14",
        "50.0% below the all-time high",
        "All-time low",
        "2015-10-20",
        "900.0% above the all-time low",
        "Last updated",
        "Prices as of",
        "Log in to watch",
    ] {
        assert!(html.contains(text), "the coin page lacks {text:?}");
    }
    for range in ["24h", "7d", "30d", "1y"] {
        assert!(
            html.contains(&format!("href=\"/coins/bitcoin?range={range}#chart\"")),
            "a link to the {range} chart, that keeps the page at the chart"
        );
    }
    assert!(
        html.contains("href=\"/coins/bitcoin?range=7d#chart\" aria-current=\"page\""),
        "7 days by default"
    );
    assert!(html.contains("<figcaption id=\"chart-summary\">Bitcoin over the last 7 days: from "));
    assert!(html.contains("id=\"chart\""), "the range links' target");
    assert_every_svg_is_well_formed(&html);
}

#[actix_web::test]
async fn a_wrong_case_id_or_a_trailing_slash_moves_permanently_to_the_canonical_address() {
    let (_upstream, app) = with_coins(three_coins()).await;
    for (from, to) in [
        ("/coins/Bitcoin", "/coins/bitcoin"),
        (
            "/coins/BITCOIN?range=1y&x=%2F",
            "/coins/bitcoin?range=1y&x=%2F",
        ),
        ("/watchlist/", "/watchlist"),
        ("/coins/bitcoin/?range=24h", "/coins/bitcoin?range=24h"),
    ] {
        let res = app.get(from).await;
        assert_eq!(res.status().as_u16(), 301, "{from}");
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some(to),
            "{from}"
        );
    }
    for never in ["//evil.example/", "/%2F%2Fevil.example/", "/account/", "/"] {
        let res = app.get(never).await;
        assert_ne!(res.status().as_u16(), 301, "{never} must not redirect");
    }
}

#[actix_web::test]
async fn a_coin_page_names_its_coin_and_price_to_search_engines_and_link_previews() {
    let (_upstream, app) = with_coins(three_coins()).await;
    let (status, html) = app.page("/coins/bitcoin?range=24h").await;
    assert_eq!(status, 200);
    for text in [
        "<title>Bitcoin (BTC) price and chart · Coinwatch</title>".to_owned(),
        "<meta name=\"description\" content=\"Bitcoin (BTC) price today: $64,231.50".to_owned(),
        "<meta property=\"og:title\" content=\"Bitcoin (BTC) price and chart\">".to_owned(),
        "<meta property=\"og:type\" content=\"website\">".to_owned(),
    ] {
        assert!(html.contains(&text), "the coin page lacks {text:?}");
    }
    let canonical = html
        .split("<link rel=\"canonical\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a canonical link");
    assert!(canonical.starts_with("http"), "{canonical} is absolute");
    assert!(
        canonical.ends_with("/coins/bitcoin"),
        "{canonical} has no range"
    );
    assert!(html.contains("<details class=\"chart-data\">"));
    assert!(html.contains("Times are in UTC."));
    assert!(
        html.contains("/assets/chart.") && html.contains(".js\" defer></script>"),
        "the readout script"
    );
}

#[actix_web::test]
async fn a_day_chart_says_the_change_the_24h_figure_says() {
    let (_upstream, app) = with_coins(three_coins()).await;
    let (_, html) = app.page("/coins/bitcoin?range=24h").await;
    let badge = html
        .split("<li>24h <span class=\"change")
        .nth(1)
        .and_then(|rest| rest.split("</span>").nth(1))
        .and_then(|rest| rest.split('<').next())
        .expect("a 24h badge")
        .trim_start_matches(['+', '-'])
        .to_owned();
    let summary = html
        .split("<figcaption id=\"chart-summary\">")
        .nth(1)
        .and_then(|rest| rest.split("</figcaption>").next())
        .expect("a summary");
    assert!(
        summary.contains(&format!("up {badge}")) || summary.contains(&format!("down {badge}")),
        "badge {badge:?}, summary {summary:?}"
    );
}

#[actix_web::test]
async fn an_unknown_or_malformed_coin_gets_the_styled_404() {
    let (_upstream, app) = with_coins(three_coins()).await;
    for page in [
        "/coins/dogecoin",
        "/coins/Dogecoin",
        "/coins/%2E%2E%2Fetc",
        "/coins/bit%0Acoin",
        "/coins/a%20b",
        &format!("/coins/{}", "a".repeat(300)),
    ] {
        let (status, html) = app.page(page).await;
        assert_eq!(status, 404, "{page}");
        assert!(html.contains("We could not find that page"), "{page}");
    }
}

#[actix_web::test]
async fn an_unknown_chart_range_gets_a_clear_400() {
    let (_upstream, app) = with_coins(three_coins()).await;
    let (status, html) = app.page("/coins/bitcoin?range=5y").await;
    assert_eq!(status, 400);
    assert!(html.contains("Use 24h, 7d, 30d or 1y"));
}

#[actix_web::test]
async fn sparklines_and_charts_are_well_formed_for_flat_single_point_and_empty_series() {
    let (_upstream, app) = with_coins(odd_series()).await;
    let (status, listing) = app.page("/").await;
    assert_eq!(status, 200);
    assert_eq!(
        assert_every_svg_is_well_formed(&listing),
        5 + 3,
        "five monograms and three drawable sparklines"
    );
    assert!(listing.contains("Flatcoin, last 7 days: flat"));
    assert!(
        listing.contains("no 7-day prices"),
        "an empty sparkline says so in words"
    );

    for id in ["flatcoin", "onepoint", "emptycoin"] {
        for range in ["24h", "7d"] {
            let (status, html) = app.page(&format!("/coins/{id}?range={range}")).await;
            assert_eq!(status, 200, "{id} {range}");
            assert_every_svg_is_well_formed(&html);
            let chart = svgs(&html)
                .into_iter()
                .find(|s| s.starts_with("<svg class=\"chart"))
                .expect("a chart");
            let doc = assert_well_formed(chart);
            assert!(
                doc.descendants().any(|n| n.has_tag_name("title")),
                "{id}: the chart has a title"
            );
            assert!(
                doc.descendants().filter(|n| n.has_tag_name("text")).count() >= 4,
                "{id}: labelled axes"
            );
            assert!(
                html.contains("unchanged"),
                "{id} {range}: the summary says the price did not move"
            );
        }
    }
    let (status, html) = app.page("/coins/nothing").await;
    assert_eq!(status, 200);
    assert!(html.contains("There are no prices for the last 7 days yet."));
    assert_every_svg_is_well_formed(&html);
}

#[actix_web::test]
async fn a_long_range_is_fetched_in_the_background_then_served_from_the_cache() {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    let now_ms = shared_ui::format::now_unix() * 1000;
    let prices: Vec<Value> = (0..=720)
        .map(|h| json!([now_ms - (720 - h) * 3_600_000, 60_000.0 + h as f64]))
        .collect();
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/bitcoin/market_chart"))
        .and(query_param("vs_currency", "usd"))
        .and(query_param("days", "30"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"prices": prices, "market_caps": [], "total_volumes": []})),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;

    let (status, first) = app.page("/coins/bitcoin?range=30d").await;
    assert_eq!(status, 200, "the page never waits for the upstream");
    assert!(first.contains("being fetched"), "{first}");
    eventually("the 30-day chart", || async {
        app.page("/coins/bitcoin?range=30d")
            .await
            .1
            .contains("<svg class=\"chart")
    })
    .await;
    let (_, html) = app.page("/coins/bitcoin?range=30d").await;
    assert!(
        // The cached chart's own last point gives way to the page's price at the snapshot.
        html.contains("Bitcoin over the last 30 days: from $60,000.00 to $64,231.50"),
        "{html}"
    );
    assert_every_svg_is_well_formed(&html);
    upstream.verify().await;
}

#[actix_web::test]
async fn the_demo_has_every_chart_range_without_a_network() {
    let app = spawn(env_of(&[("MARKET_SOURCE", "demo")])).await;
    app.snapshot_version(1).await;
    for range in ["24h", "7d", "30d", "1y"] {
        eventually(&format!("the demo's {range} chart"), || async {
            let (status, html) = app.page(&format!("/coins/bitcoin?range={range}")).await;
            status == 200 && html.contains("<svg class=\"chart")
        })
        .await;
        assert_every_svg_is_well_formed(
            &app.page(&format!("/coins/bitcoin?range={range}")).await.1,
        );
    }
}
