//! The watchlist through the shared session: a user signed in by the chassis (as the login
//! service does) watches and unwatches coins with CSRF-checked forms, and sees them listed.

mod support;

use chassis::testing::csrf_token;
use support::*;
use wiremock::MockServer;

async fn market() -> (MockServer, TestApp) {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    (upstream, app)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Watches `coin` from its page, as the page's form does.
async fn watch(app: &TestApp, coin: &str) -> reqwest::Response {
    let (_, page) = app.page(&format!("/coins/{coin}")).await;
    let token = csrf_token(&page);
    let return_to = format!("/coins/{coin}");
    app.post_form(
        &format!("/coins/{coin}/watch"),
        &[("csrf_token", &token), ("return_to", &return_to)],
    )
    .await
}

#[actix_web::test]
async fn an_anonymous_visitor_is_sent_to_log_in_and_back_to_the_watchlist() {
    let (_upstream, app) = market().await;
    let res = app.get("/watchlist").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/account/login?next=/watchlist");
}

#[actix_web::test]
async fn an_anonymous_watch_leads_to_the_login_page_and_back_to_the_coin() {
    let (_upstream, app) = market().await;
    let (_, page) = app.page("/coins/bitcoin").await;
    assert!(
        page.contains("href=\"/account/login?next=/coins/bitcoin\""),
        "the coin page offers to log in"
    );
    let res = app
        .post_form(
            "/coins/bitcoin/watch",
            &[("return_to", "/coins/bitcoin?range=30d")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        "/account/login?next=/coins/bitcoin%3Frange%3D30d"
    );
    let res = app
        .post_form(
            "/coins/bitcoin/watch",
            &[("return_to", "https://evil.example/")],
        )
        .await;
    assert_eq!(
        location(&res),
        "/account/login",
        "an outside address is never a next step"
    );
}

#[actix_web::test]
async fn a_signed_in_user_watches_a_coin_sees_it_on_the_watchlist_and_unwatches_it() {
    let (_upstream, app) = market().await;
    app.sign_in(42, "alice").await;

    let (_, empty) = app.page("/watchlist").await;
    assert!(empty.contains("Your watchlist is empty"));
    assert!(
        empty.contains("alice"),
        "the header names the user from the shared session"
    );

    let res = watch(&app, "ethereum").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/coins/ethereum");
    let (_, coin) = app.page("/coins/ethereum").await;
    assert!(
        coin.contains("Ethereum is on your watchlist."),
        "a flash confirms it"
    );
    assert!(
        coin.contains("action=\"/coins/ethereum/unwatch\""),
        "the button now removes it"
    );

    let res = watch(&app, "bitcoin").await;
    assert_eq!(res.status(), 303);
    let (status, list) = app.page("/watchlist").await;
    assert_eq!(status, 200);
    assert_eq!(
        listed_ids(&list),
        ["bitcoin", "ethereum"],
        "in rank order, like the listing"
    );
    assert!(list.contains("$3,412.55"), "with the listing's columns");

    let token = csrf_token(&list);
    let res = app
        .post_form(
            "/coins/ethereum/unwatch",
            &[("csrf_token", &token), ("return_to", "/watchlist")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/watchlist");
    assert_eq!(listed_ids(&app.page("/watchlist").await.1), ["bitcoin"]);
}

#[actix_web::test]
async fn watching_and_unwatching_twice_changes_nothing_more() {
    let (_upstream, app) = market().await;
    app.sign_in(7, "bob").await;
    for _ in 0..2 {
        assert_eq!(watch(&app, "solana").await.status(), 303);
    }
    assert_eq!(listed_ids(&app.page("/watchlist").await.1), ["solana"]);
    let token = csrf_token(&app.page("/watchlist").await.1);
    for _ in 0..2 {
        let res = app
            .post_form(
                "/coins/solana/unwatch",
                &[("csrf_token", &token), ("return_to", "/watchlist")],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    assert!(listed_ids(&app.page("/watchlist").await.1).is_empty());
}

#[actix_web::test]
async fn each_user_has_their_own_watchlist() {
    let (_upstream, app) = market().await;
    app.sign_in(1, "first").await;
    watch(&app, "bitcoin").await;
    app.sign_in(2, "second").await;
    assert!(listed_ids(&app.page("/watchlist").await.1).is_empty());
}

#[actix_web::test]
async fn a_missing_or_wrong_csrf_token_gets_the_styled_403_and_changes_nothing() {
    let (_upstream, app) = market().await;
    app.sign_in(9, "carol").await;
    for fields in [
        vec![("return_to", "/")],
        vec![("csrf_token", "forged"), ("return_to", "/")],
        vec![("csrf_token", "")],
    ] {
        let res = app.post_form("/coins/bitcoin/watch", &fields).await;
        assert_eq!(res.status(), 403, "{fields:?}");
        let html = res.text().await.expect("a body");
        assert!(html.contains("This form has expired"), "the styled page");
    }
    assert!(listed_ids(&app.page("/watchlist").await.1).is_empty());
}

#[actix_web::test]
async fn the_return_path_must_be_on_this_site() {
    let (_upstream, app) = market().await;
    app.sign_in(5, "dave").await;
    let (_, page) = app.page("/coins/bitcoin").await;
    let token = csrf_token(&page);
    for target in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let res = app
            .post_form(
                "/coins/bitcoin/watch",
                &[("csrf_token", &token), ("return_to", target)],
            )
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/", "{target}");
    }
}

#[actix_web::test]
async fn an_unknown_coin_cannot_be_watched() {
    let (_upstream, app) = market().await;
    app.sign_in(3, "erin").await;
    let token = csrf_token(&app.page("/coins/bitcoin").await.1);
    for coin in ["dogecoin", "Bad%20Id"] {
        let res = app
            .post_form(
                &format!("/coins/{coin}/watch"),
                &[("csrf_token", &token), ("return_to", "/")],
            )
            .await;
        assert_eq!(res.status(), 404, "{coin}");
    }
    assert!(listed_ids(&app.page("/watchlist").await.1).is_empty());
}

/// Whether the listing at `url` marks `coin` as watched, for the signed-in `app.client`.
async fn listing_marks(app: &TestApp, url: &str, coin: &str) -> bool {
    let page = app
        .client
        .get(url)
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a body");
    let row = page
        .split("<tr")
        .find(|row| row.contains(&format!("href=\"/coins/{coin}\"")))
        .unwrap_or_else(|| panic!("{coin} is listed"));
    row.contains("watched-mark")
}

#[actix_web::test]
async fn a_watch_on_one_replica_shows_on_the_listing_of_another_at_once() {
    // Each replica keeps the watched coins it has shown; a change made on another replica
    // must reach it through the shared store's change counter, not after a delay.
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    let db = std::sync::Arc::new(chassis::testing::TestDatabase::new("product"));
    let common = chassis::testing::common_config();
    let first = spawn_on(db.clone(), coingecko_env(&upstream), common.clone()).await;
    let second = spawn_on(db, coingecko_env(&upstream), common).await;
    first.snapshot_version(1).await;
    second.snapshot_version(1).await;
    first.sign_in(77, "dana").await;
    // One browser: its cookie (for 127.0.0.1, any port) reaches both replicas.
    let other = second.url("/");

    assert!(!listing_marks(&first, &other, "bitcoin").await);
    assert_eq!(watch(&first, "bitcoin").await.status(), 303);
    assert!(
        listing_marks(&first, &other, "bitcoin").await,
        "the other replica shows the new mark"
    );

    let token = csrf_token(&first.page("/watchlist").await.1);
    let res = first
        .post_form(
            "/coins/bitcoin/unwatch",
            &[("csrf_token", &token), ("return_to", "/watchlist")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        !listing_marks(&first, &other, "bitcoin").await,
        "and drops it as soon"
    );
    assert!(!listing_marks(&first, &first.url("/"), "bitcoin").await);
}
