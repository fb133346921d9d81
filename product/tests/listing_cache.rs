//! The listing is rendered once and served many times. What is kept must change when the
//! market does, and must never show one visitor what belongs to another: a name, a CSRF
//! token, watchlist marks, a one-time message.

mod support;

use chassis::testing::{browser, csrf_token};
use serde_json::Value;
use support::*;
use wiremock::MockServer;

async fn market() -> (MockServer, TestApp) {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    (upstream, app)
}

/// The ids of the rows that carry the watchlist mark.
fn marked_ids(html: &str) -> Vec<String> {
    html.split("<tr>")
        .filter(|row| row.contains("class=\"watched-mark\""))
        .flat_map(listed_ids)
        .collect()
}

/// Another browser, with its own cookies, on the same service.
async fn visit(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.expect("an answer");
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.expect("a body")
}

async fn sign_in(client: &reqwest::Client, app: &TestApp, user_id: i64, name: &str) {
    let res = client
        .post(app.url(&format!("/test-login/{user_id}/{name}")))
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), 200);
}

async fn watch(client: &reqwest::Client, app: &TestApp, coin: &str) {
    let page = visit(client, app, &format!("/coins/{coin}")).await;
    let res = client
        .post(app.url(&format!("/coins/{coin}/watch")))
        .form(&[
            ("csrf_token", csrf_token(&page).as_str()),
            ("return_to", "/"),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), 303);
}

#[actix_web::test]
async fn a_new_snapshot_shows_its_prices_to_visitors_who_were_served_the_old_page() {
    let (upstream, app) = market().await;
    for _ in 0..2 {
        let (_, html) = app.page("/").await;
        assert!(html.contains("$64,231.50"), "the first prices");
    }

    upstream.reset().await;
    let mut later = three_coins();
    later[0]["current_price"] = Value::from(70_000.0);
    serve_markets(&upstream, later).await;
    eventually("the new price on the listing", || async {
        app.page("/").await.1.contains("$70,000.00")
    })
    .await;
    let (_, html) = app.page("/").await;
    assert!(!html.contains("$64,231.50"), "the old price is gone");
}

#[actix_web::test]
async fn watchlist_marks_and_names_are_shown_only_to_their_owner() {
    let (_upstream, app) = market().await;
    let anonymous = browser();
    let bob = browser();

    // An anonymous page is kept first; signing in must not get it back.
    let before = visit(&anonymous, &app, "/").await;
    app.sign_in(1, "alice").await;
    watch(&app.client, &app, "bitcoin").await;
    watch(&app.client, &app, "solana").await;
    let alices = app.page("/").await.1;
    assert!(alices.contains("alice"), "her name in the header");
    assert_eq!(marked_ids(&alices), ["bitcoin", "solana"]);
    let alices_token = csrf_token(&alices);

    for _ in 0..2 {
        let html = visit(&anonymous, &app, "/").await;
        assert!(
            marked_ids(&html).is_empty(),
            "no marks for an anonymous visitor"
        );
        assert!(!html.contains("alice"));
        assert!(
            !html.contains("csrf_token"),
            "no token on an anonymous page"
        );
        assert!(html.contains(">Log in<"));
    }
    assert_eq!(
        listed_ids(&before),
        listed_ids(&visit(&anonymous, &app, "/").await)
    );

    sign_in(&bob, &app, 2, "bob").await;
    let bobs = visit(&bob, &app, "/").await;
    assert!(bobs.contains("bob"));
    assert!(!bobs.contains("alice"));
    assert!(marked_ids(&bobs).is_empty(), "alice's marks are hers");
    assert_ne!(
        csrf_token(&bobs),
        alices_token,
        "each session its own token"
    );

    // Alice again, after others were served: still her own page.
    let again = app.page("/?per_page=100").await.1;
    assert!(again.contains("alice"));
    assert_eq!(marked_ids(&again), ["bitcoin", "solana"]);
    assert_eq!(csrf_token(&again), alices_token);
}

#[actix_web::test]
async fn a_one_time_message_on_the_listing_is_shown_once() {
    let (_upstream, app) = market().await;
    app.page("/").await;
    app.sign_in(3, "carol").await;
    watch(&app.client, &app, "ethereum").await;
    let token = csrf_token(&app.page("/").await.1);
    let res = app
        .post_form(
            "/coins/ethereum/unwatch",
            &[("csrf_token", &token), ("return_to", "/")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, with_message) = app.page("/").await;
    assert!(with_message.contains("class=\"flash "), "the message shows");
    let (_, after) = app.page("/").await;
    assert!(!after.contains("class=\"flash "), "and only once");
}

#[actix_web::test]
async fn pages_do_not_rewrite_the_session_cookie_when_nothing_in_it_changed() {
    let (_upstream, app) = market().await;
    app.sign_in(4, "dave").await;
    // The first page of a session looks up the account's saved currency once and keeps the
    // answer in the session: that is one write, and the last.
    assert_eq!(app.get("/").await.status(), 200);
    for path in ["/", "/", "/coins/bitcoin", "/watchlist"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.headers().get("set-cookie").is_none(),
            "{path} sent the session cookie again"
        );
    }
}

#[actix_web::test]
async fn the_benchmark_ceiling_does_not_exist_unless_asked_for() {
    let (_upstream, app) = market().await;
    app.page("/").await;
    assert_eq!(app.get("/_bench/ceiling").await.status(), 404);
}

#[actix_web::test]
async fn the_benchmark_ceiling_serves_the_anonymous_listing_bytes() {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    let mut env = coingecko_env(&upstream);
    env.push(("BENCH_CEILING".into(), "true".into()));
    // No refresh during the test, so the page cannot change between the two requests.
    env.retain(|(k, _)| k != "MARKET_REFRESH_SECS" && k != "MARKET_STALE_SECS");
    env.push(("MARKET_REFRESH_SECS".into(), "3600".into()));
    let app = spawn(env).await;
    app.snapshot_version(1).await;
    let (_, listing) = app.page("/").await;
    let (status, ceiling) = app.page("/_bench/ceiling").await;
    assert_eq!(status, 200);
    assert_eq!(ceiling, listing);
}

#[actix_web::test]
async fn the_kept_listing_is_served_in_gzip_and_brotli_that_decode_to_the_plain_page() {
    use std::io::Read;
    let (_upstream, app) = market().await;
    let client = reqwest::Client::new();
    let get = |accept: Option<&'static str>| {
        let mut req = client.get(app.url("/"));
        if let Some(accept) = accept {
            req = req.header("accept-encoding", accept);
        }
        req.send()
    };
    let plain = get(None).await.expect("an answer");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.headers()["vary"], "accept-encoding");
    let plain = plain.bytes().await.expect("a body");

    let res = get(Some("gzip")).await.expect("an answer");
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let body = res.bytes().await.expect("a body");
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut decoded)
        .expect("gzip");
    assert_eq!(decoded, plain);
    assert!(body.len() * 3 < plain.len());

    let res = get(Some("gzip, deflate, br")).await.expect("an answer");
    assert_eq!(res.headers()["content-encoding"], "br");
    let body = res.bytes().await.expect("a body");
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&body[..], 4096)
        .read_to_end(&mut decoded)
        .expect("brotli");
    assert_eq!(decoded, plain);
}

#[actix_web::test]
async fn a_name_filled_into_the_signed_in_shell_is_escaped() {
    let (_upstream, app) = market().await;
    let eve = browser();
    sign_in(&eve, &app, 3, "eve%3Cb%3E").await;
    let html = visit(&eve, &app, "/").await;
    assert!(!html.contains("eve<b>"), "the name went out unescaped");
    assert!(
        html.contains("eve&#60;b&#62;"),
        "the name is on the page, escaped"
    );
}
