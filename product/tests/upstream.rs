//! What visitors see when the upstream misbehaves: whatever it answers, the last good
//! snapshot stays on every page, the failure is recorded, and the feed backs off.

mod support;

use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Serves three good coins once, then `failure` for every later refresh.
async fn good_then(failure: ResponseTemplate) -> (MockServer, TestApp) {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(three_coins()))
        .up_to_n_times(1)
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .respond_with(failure)
        .mount(&upstream)
        .await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    (upstream, app)
}

/// Waits for a failed refresh after the good one, then checks that pages still show the
/// good snapshot and that the failure was recorded with `recorded` in its message.
async fn pages_keep_the_snapshot(upstream: &MockServer, app: &TestApp, recorded: &str) {
    eventually("a failed refresh", || async {
        app.service.feed().status().consecutive_failures >= 1
    })
    .await;
    assert!(markets_requests(upstream).await >= 2);
    for (page, price) in [
        ("/", "$64,231.50"),
        ("/coins/bitcoin", "$64,231.50"),
        ("/coins/ethereum?range=24h", "$3,412.55"),
    ] {
        let (status, html) = app.page(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(html.contains(price), "{page} lost the last good prices");
    }
    assert_eq!(
        listed_ids(&app.page("/").await.1),
        ["bitcoin", "ethereum", "solana"]
    );
    assert_eq!(
        app.service.feed().live().snapshot().version(),
        1,
        "no snapshot replaced the good one"
    );
    let status = app.service.feed().status();
    let error = status.last_error.unwrap_or_default();
    assert!(
        error.contains(recorded),
        "recorded {error:?}, expected it to mention {recorded:?}"
    );
}

#[actix_web::test]
async fn a_server_error_keeps_the_last_good_prices() {
    let (upstream, app) =
        good_then(ResponseTemplate::new(500).set_body_string("<html>Internal error</html>")).await;
    pages_keep_the_snapshot(&upstream, &app, "HTTP 500").await;
}

#[actix_web::test]
async fn an_unavailable_upstream_keeps_the_last_good_prices() {
    let (upstream, app) = good_then(ResponseTemplate::new(503)).await;
    pages_keep_the_snapshot(&upstream, &app, "HTTP 503").await;
}

#[actix_web::test]
async fn rate_limiting_keeps_the_prices_and_the_feed_waits_as_long_as_it_is_told() {
    let body =
        json!({"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}});
    let (upstream, app) = good_then(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "120")
            .set_body_json(body),
    )
    .await;
    pages_keep_the_snapshot(&upstream, &app, "rate limited").await;
    let status = app.service.feed().status();
    let (failed_at, next) = (
        status.last_error_at.expect("a time"),
        status.next_attempt_at.expect("a plan"),
    );
    assert!(
        next - failed_at >= 120,
        "the next attempt comes after Retry-After, not sooner: {next} - {failed_at}"
    );
    assert_eq!(
        markets_requests(&upstream).await,
        2,
        "no request while told to wait"
    );
}

#[actix_web::test]
async fn an_html_page_from_a_proxy_keeps_the_last_good_prices() {
    let html =
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let (upstream, app) =
        good_then(ResponseTemplate::new(200).set_body_raw(html.as_bytes().to_vec(), "text/html"))
            .await;
    pages_keep_the_snapshot(&upstream, &app, "HTML").await;
}

#[actix_web::test]
async fn a_truncated_body_keeps_the_last_good_prices() {
    let full = three_coins().to_string();
    let cut = full.as_bytes()[..full.len() / 2].to_vec();
    let (upstream, app) =
        good_then(ResponseTemplate::new(200).set_body_raw(cut, "application/json")).await;
    pages_keep_the_snapshot(&upstream, &app, "truncated").await;
}

#[actix_web::test]
async fn an_error_object_where_a_list_belongs_keeps_the_last_good_prices() {
    let body = json!({"status": {"error_code": 10002, "error_message": "API Key Missing"}});
    let (upstream, app) = good_then(ResponseTemplate::new(200).set_body_json(body)).await;
    pages_keep_the_snapshot(&upstream, &app, "API Key Missing").await;
}

#[actix_web::test]
async fn an_empty_list_keeps_the_last_good_prices() {
    let (upstream, app) = good_then(ResponseTemplate::new(200).set_body_json(json!([]))).await;
    pages_keep_the_snapshot(&upstream, &app, "none of the 0 coins").await;
}

#[actix_web::test]
async fn a_messy_answer_changes_nothing_a_visitor_sees() {
    let four = || {
        let mut coins = three_coins();
        let list = coins.as_array_mut().expect("a list");
        list.insert(2, coin("ripple", "xrp", "XRP", 3, 2.3));
        list[3]["market_cap_rank"] = Value::from(4);
        coins
    };
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(four()))
        .up_to_n_times(1)
        .mount(&upstream)
        .await;
    // Like CoinGecko on a bad day: nulls, a missing name, an entry without an id, numbers in
    // exponent form and as strings, an roi object, a tiny price without a sparkline.
    let mut messy = four();
    let list = messy.as_array_mut().expect("a list");
    list[0]["current_price"] = Value::Null;
    list[0]["market_cap"] = Value::Null;
    list[0]["roi"] = json!({"times": 12.5, "currency": "usd", "percentage": 1250.0});
    list[0]
        .as_object_mut()
        .expect("an object")
        .remove("max_supply");
    list[1].as_object_mut().expect("an object").remove("name");
    list[2] = json!({"id": null});
    list[3]["current_price"] = Value::from(2.3841e2);
    list[3]["total_volume"] = Value::from("1.2e+7");
    let mut tiny = coin("dogecoin", "doge", "Dogecoin", 5, 1.234e-7);
    tiny["sparkline_in_7d"] = Value::Null;
    list.push(tiny);
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(messy))
        .mount(&upstream)
        .await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(2).await;

    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    let listed = listed_ids(&html);
    assert_eq!(
        listed,
        ["bitcoin", "ethereum", "ripple", "solana", "dogecoin"],
        "no coin left the listing"
    );
    assert!(
        html.contains("$64,231.50"),
        "a null price keeps the last good one"
    );
    assert!(
        html.contains("$3,412.55"),
        "a coin without a name keeps its last good figures"
    );
    assert!(html.contains("$238.41"), "a price in exponent form reads");
    assert!(
        html.contains("$0.00000012"),
        "a tiny price shows its digits"
    );
    let (status, coin) = app.page("/coins/bitcoin").await;
    assert_eq!(status, 200);
    assert!(
        coin.contains("2,000,000"),
        "a missing maximum supply keeps its last good value"
    );
    for id in ["ethereum", "ripple", "dogecoin"] {
        assert_eq!(app.page(&format!("/coins/{id}")).await.0, 200, "{id}");
    }
}

#[actix_web::test]
async fn the_feed_recovers_when_the_upstream_answers_again() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(three_coins()))
        .up_to_n_times(1)
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/coins/markets"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&upstream)
        .await;
    let mut later = three_coins();
    later[0]["current_price"] = Value::from(70_000.0);
    serve_markets(&upstream, later).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(2).await;
    assert!(app.page("/").await.1.contains("$70,000.00"));
    // The refresher publishes the snapshot, then records its success: wait for the record.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.service.feed().status().consecutive_failures != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the failure count never reset"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_first_start_against_a_dead_upstream_says_prices_are_coming_and_never_fails() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&upstream)
        .await;
    let app = spawn(coingecko_env(&upstream)).await;
    eventually("a failed refresh", || async {
        app.service.feed().status().consecutive_failures >= 1
    })
    .await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(
        banners(&html)
            .iter()
            .any(|b| b.contains("not available yet")),
        "{:?}",
        banners(&html)
    );
    assert!(
        !html.contains("role=\"search\"") && !html.contains("Coins per page"),
        "no search or page size without coins"
    );
    assert!(html.contains("Market data is on its way"));
    let (status, html) = app.page("/coins/bitcoin").await;
    assert_eq!(status, 503, "no coin can be shown yet");
    assert!(html.contains("<main"));
    assert!(
        html.contains("Market data is on its way") && html.contains("the coin list is empty too"),
        "the coin page agrees with the empty listing"
    );
    assert!(!html.contains("may still be available"));
}

#[actix_web::test]
async fn a_restarted_product_shows_the_stored_snapshot_before_its_first_refresh() {
    let db = std::sync::Arc::new(chassis::testing::TestDatabase::new("restart"));
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    {
        let first = spawn_on(
            db.clone(),
            coingecko_env(&upstream),
            chassis::testing::common_config(),
        )
        .await;
        first.snapshot_version(1).await;
        first.service.feed().stop();
    }
    let dead = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&dead)
        .await;
    let second = spawn_on(db, coingecko_env(&dead), chassis::testing::common_config()).await;
    let (status, html) = second.page("/").await;
    assert_eq!(status, 200);
    assert_eq!(
        listed_ids(&html),
        ["bitcoin", "ethereum", "solana"],
        "pages work before any refresh"
    );
}
