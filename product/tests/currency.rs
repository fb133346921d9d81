//! Prices in the visitor's currency: chosen in the address, remembered in a cookie, saved to
//! the account; converted at the provider's exchange rates, formatted as each currency is
//! written, and in dollars with a notice while there are no rates.
//!
//! The stand-in's rates: a dollar buys 0.9 EUR, 0.8 GBP, 150 JPY, 0.00002 BTC, 0.0005 ETH.
//! Bitcoin costs $64,231.50 and its market cap is $12.8T (see `support::coin`).

mod support;

use chassis::testing::csrf_token;
use support::*;
use wiremock::MockServer;

async fn market_with_rates() -> (MockServer, TestApp) {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    serve_rates(&upstream).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    app.rates_loaded().await;
    (upstream, app)
}

/// The `currency` cookie the response sets, if it sets one.
fn currency_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("currency="))
        .map(str::to_owned)
}

/// The `<td class="num price" …>` cells of a coin table.
fn prices(html: &str) -> Vec<String> {
    let marker = "<td class=\"num price\"";
    html.match_indices(marker)
        .map(|(i, _)| {
            let rest = &html[i + marker.len()..];
            let rest = &rest[rest.find('>').expect("the end of the tag") + 1..];
            rest[..rest.find("</td>").expect("a closing td")].to_owned()
        })
        .collect()
}

#[actix_web::test]
async fn a_visitor_chooses_a_currency_in_the_address_and_the_listing_converts_every_figure() {
    let (_upstream, app) = market_with_rates().await;
    let (status, html) = app.page("/?currency=eur").await;
    assert_eq!(status, 200);
    assert_eq!(prices(&html)[0], "€57,808.35");
    assert!(html.contains("€11.5T"), "the market cap in euros");
    assert!(
        html.contains("Prices in euros (EUR), converted from US dollars at $1 = €0.9000."),
        "the page says its currency"
    );
    assert!(html.contains("<option value=\"eur\" selected>EUR</option>"));
    assert!(!html.contains("$64,231.50"));

    let (_, html) = app.page("/?currency=jpy").await;
    assert_eq!(prices(&html)[0], "¥9,634,725");
    assert!(html.contains("¥1,917T"));
    assert!(html.contains("Prices in Japanese yen (JPY)"));

    let (_, html) = app.page("/?currency=BTC").await;
    assert_eq!(prices(&html)[0], "1.285\u{a0}BTC");
    assert!(html.contains("256M\u{a0}BTC"));

    let (_, html) = app.page("/?currency=gbp").await;
    assert_eq!(prices(&html)[0], "£51,385.20");
    let (_, html) = app.page("/?currency=eth").await;
    assert_eq!(prices(&html)[0], "32.12\u{a0}ETH");
}

#[actix_web::test]
async fn the_choice_is_remembered_in_a_cookie_and_the_dollar_page_is_not_served_in_its_place() {
    let (_upstream, app) = market_with_rates().await;
    // The dollar listing is rendered and kept for anonymous visitors first.
    let (_, html) = app.page("/").await;
    assert_eq!(prices(&html)[0], "$64,231.50");
    assert!(html.contains("Prices in US dollars (USD)."));

    let res = app.get("/?currency=eur").await;
    let cookie = currency_cookie(&res).expect("the choice is remembered");
    assert!(cookie.starts_with("currency=eur;"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");

    // The same address as before, but the cookie says euros: not the kept dollar page.
    let (_, html) = app.page("/").await;
    assert_eq!(prices(&html)[0], "€57,808.35");
    let (_, coin) = app.page("/coins/bitcoin").await;
    assert!(coin.contains("<span class=\"visually-hidden\">Price: </span>€57,808.35"));

    // Choosing dollars again brings the kept page back.
    let res = app.get("/?currency=usd").await;
    assert!(currency_cookie(&res).is_some_and(|c| c.starts_with("currency=usd;")));
    let (_, html) = app.page("/").await;
    assert_eq!(prices(&html)[0], "$64,231.50");
}

#[actix_web::test]
async fn junk_in_the_address_or_the_cookie_is_ignored_never_an_error() {
    let (_upstream, app) = market_with_rates().await;
    for junk in ["doge", "%3Cscript%3E", "e%00ur", &"x".repeat(500), ""] {
        let res = app.get(&format!("/?currency={junk}")).await;
        assert_eq!(res.status(), 200, "{junk}");
        assert!(
            currency_cookie(&res).is_none(),
            "junk is not remembered: {junk}"
        );
        let html = res.text().await.expect("a body");
        assert_eq!(prices(&html)[0], "$64,231.50", "{junk}");
        if !junk.is_empty() {
            assert!(
                html.contains("is not offered, so prices are in USD"),
                "a clear notice for {junk}"
            );
        }
        assert!(!html.contains("<script>"));
    }
    let (status, html) = app.page("/coins/bitcoin?currency=zzz").await;
    assert_eq!(status, 200);
    assert!(html.contains("The currency &#34;zzz&#34; is not offered"));

    // A forged cookie is ignored.
    let res = reqwest::Client::new()
        .get(app.url("/"))
        .header(reqwest::header::COOKIE, "currency=%3Cb%3E")
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), 200);
    assert_eq!(prices(&res.text().await.expect("a body"))[0], "$64,231.50");
}

#[actix_web::test]
async fn the_selector_is_a_plain_form_that_keeps_the_page_and_sort() {
    let (_upstream, app) = market_with_rates().await;
    let (_, html) = app.page("/?sort=price&dir=asc&per_page=100").await;
    let form = &html[html
        .find("<form class=\"currency-form\"")
        .expect("the selector")..];
    let form = &form[..form.find("</form>").expect("its end")];
    assert!(form.contains("method=\"get\" action=\"/\""));
    for kept in [
        "<input type=\"hidden\" name=\"sort\" value=\"price\">",
        "<input type=\"hidden\" name=\"dir\" value=\"asc\">",
        "<input type=\"hidden\" name=\"per_page\" value=\"100\">",
    ] {
        assert!(form.contains(kept), "{kept} in {form}");
    }
    assert!(form.contains("<select id=\"currency\" name=\"currency\">"));
    assert!(!form.contains("<script"), "no script, no inline style");
    assert!(!form.contains("style="));
    // What the form submits is an address like any other.
    let (_, html) = app
        .page("/?sort=price&dir=asc&per_page=100&currency=jpy")
        .await;
    assert!(html.contains("aria-sort=\"ascending\""));
    assert!(prices(&html).iter().all(|p| p.starts_with('¥')));
}

#[actix_web::test]
async fn coin_page_figures_and_chart_are_in_the_chosen_currency() {
    let (_upstream, app) = market_with_rates().await;
    let (status, html) = app.page("/coins/bitcoin?currency=eur").await;
    assert_eq!(status, 200);
    for text in [
        "<span class=\"visually-hidden\">Price: </span>€57,808.35",
        // High and low of the day: 1.05 and 0.95 of the price.
        "<dt>24h high</dt><dd>€60,698.77</dd>",
        "<dt>24h low</dt><dd>€54,917.93</dd>",
        "<dt>Market cap</dt><dd>€11.5T</dd>",
        "Prices in euros (EUR)",
    ] {
        assert!(html.contains(text), "{text}");
    }
    assert!(!html.contains("$64,231.50"));
    // The chart is drawn from stored dollar prices, converted: its labels are in euros.
    let extremes = &html[html.find("chart-extremes").expect("a drawn chart")..];
    let extremes = &extremes[..extremes.find("</dl>").expect("end")];
    assert!(extremes.contains('€'), "{extremes}");
    assert!(!extremes.contains('$'), "{extremes}");
    let chart = svgs(&html)
        .into_iter()
        .find(|s| s.contains("class=\"chart "))
        .expect("the chart");
    assert!(chart.contains(">€"), "price labels in euros: {chart}");
    assert!(!chart.contains(">$"), "{chart}");
}

#[actix_web::test]
async fn sparklines_are_the_same_shape_in_every_currency() {
    let (_upstream, app) = market_with_rates().await;
    let (_, usd) = app.page("/").await;
    let (_, jpy) = app.page("/?currency=jpy").await;
    let sparklines = |html: &str| -> Vec<String> {
        svgs(html)
            .into_iter()
            .filter(|s| s.contains("class=\"sparkline"))
            .map(str::to_owned)
            .collect()
    };
    assert!(!sparklines(&usd).is_empty());
    assert_eq!(sparklines(&usd), sparklines(&jpy));
}

#[actix_web::test]
async fn a_signed_in_user_saves_a_currency_that_follows_them_to_another_browser() {
    let (_upstream, app) = market_with_rates().await;
    app.sign_in(42, "alice").await;
    let (_, html) = app.page("/watchlist?currency=gbp").await;
    assert!(html.contains("Prices in British pounds (GBP)"));
    assert!(html.contains("Save GBP to my account"));
    let token = csrf_token(&html);
    let res = app
        .post_form(
            "/currency",
            &[
                ("csrf_token", &token),
                ("currency", "gbp"),
                ("return_to", "/watchlist"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/watchlist");
    let (_, html) = app.page("/watchlist").await;
    assert!(html.contains("Prices will be in GBP whenever you are signed in."));

    // Another browser, no cookie: once signed in, the saved currency is used (and remembered).
    let other = chassis::testing::browser();
    let get = |path: &str| other.get(app.url(path)).send();
    let html = get("/")
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a body");
    assert_eq!(prices(&html)[0], "$64,231.50", "not signed in: dollars");
    let signed_in = other
        .post(app.url("/test-login/42/alice"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(signed_in.status(), 200);
    let res = get("/").await.expect("an answer");
    assert!(currency_cookie(&res).is_some_and(|c| c.starts_with("currency=gbp;")));
    let html = res.text().await.expect("a body");
    assert_eq!(prices(&html)[0], "£51,385.20");
    let coin = get("/coins/bitcoin")
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a body");
    assert!(coin.contains("£51,385.20"));
}

#[actix_web::test]
async fn saving_needs_a_session_a_token_and_a_real_currency() {
    let (_upstream, app) = market_with_rates().await;
    // Not signed in: off to log in, nothing saved.
    let res = app
        .post_form(
            "/currency",
            &[("currency", "eur"), ("return_to", "/coins/bitcoin")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/account/login?next=/coins/bitcoin"
    );
    app.sign_in(7, "bob").await;
    let res = app
        .post_form(
            "/currency",
            &[("csrf_token", "forged"), ("currency", "eur")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let token = csrf_token(&app.page("/watchlist").await.1);
    let res = app
        .post_form("/currency", &[("csrf_token", &token), ("currency", "xyz")])
        .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.expect("a body");
    assert!(html.contains("Choose USD, EUR, GBP, JPY, BTC or ETH"));
}

#[actix_web::test]
async fn without_rates_prices_stay_in_dollars_with_a_visible_note() {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    // No /exchange_rates: the stand-in answers 404.
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    let res = app.get("/?currency=eur").await;
    assert_eq!(res.status(), 200);
    assert!(
        currency_cookie(&res).is_some(),
        "the choice is kept for when rates arrive"
    );
    let html = res.text().await.expect("a body");
    assert_eq!(prices(&html)[0], "$64,231.50");
    assert!(html.contains(
        "Exchange rates are not loaded yet, so prices are in USD instead of EUR for now."
    ));
    assert!(html.contains("Prices in US dollars (USD)."));
}

#[actix_web::test]
async fn the_refresher_fetches_the_rates_once_for_every_currency() {
    let (upstream, app) = market_with_rates().await;
    for currency in ["eur", "gbp", "jpy", "btc", "eth"] {
        let (status, _) = app.page(&format!("/?currency={currency}")).await;
        assert_eq!(status, 200);
    }
    let rate_calls = upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/api/v3/exchange_rates")
        .count();
    assert_eq!(rate_calls, 1, "one call covers every currency");
}
