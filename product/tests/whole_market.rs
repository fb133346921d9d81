//! The whole market against a CoinGecko stand-in of 1,200 ranked coins over five pages and a
//! coin list of 15,000: the ranked 1,000 reachable by paging and sorting, a failing page
//! that keeps its rows with their own time while the others stay fresh, every coin of the
//! list findable and with a page of its own, unknown ids answered without a call, every call
//! counted, and charts drawn from stored prices when their share of the budget is spent.

mod support;

use chassis::testing::csrf_token;
use diesel::RunQueryDsl;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const RANKED: u32 = 1_200;
const LISTED: u32 = 15_000;

/// The stand-in's coin of rank `rank` (1 to 1,200), or of the long tail above that.
fn coin_at(rank: u32, price_step: u32) -> Value {
    let price = 1_000.0 / f64::from(rank) + f64::from(price_step);
    let (id, symbol, name) = names(rank);
    let mut coin = coin(&id, &symbol, &name, rank, price);
    if rank > RANKED {
        coin["market_cap_rank"] = Value::Null;
    }
    coin
}

/// Id, symbol and name of the `n`-th coin: rank 7 is "Zebra Chain", list entry 5,000 "Zebra
/// Tail", the rest numbered.
fn names(n: u32) -> (String, String, String) {
    match n {
        7 => ("zebra-chain".into(), "zbc".into(), "Zebra Chain".into()),
        5_000 => ("zebra-tail".into(), "zbt".into(), "Zebra Tail".into()),
        n if n <= RANKED => (format!("coin-{n}"), format!("c{n}"), format!("Coin {n}")),
        n => (
            format!("tail-{n}"),
            format!("t{n}"),
            format!("Tailcoin {n}"),
        ),
    }
}

/// `/coins/markets`, by page or by ids, with a page that can be made to fail and prices
/// that move by one dollar with every answer of page 1.
#[derive(Clone, Default)]
struct Markets {
    failing_page: Arc<AtomicU32>,
    page_one_answers: Arc<AtomicU32>,
}

impl Respond for Markets {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        if let Some(ids) = query.get("ids") {
            let by_id: Vec<Value> = ids
                .split(',')
                .filter_map(|id| {
                    (1..=LISTED)
                        .find(|n| names(*n).0 == id)
                        .map(|n| coin_at(n, 0))
                })
                .collect();
            return ResponseTemplate::new(200).set_body_json(by_id);
        }
        let page: u32 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let per_page: u32 = query
            .get("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(100);
        if page == self.failing_page.load(Ordering::SeqCst) {
            return ResponseTemplate::new(500);
        }
        let step = if page == 1 {
            self.page_one_answers.fetch_add(1, Ordering::SeqCst)
        } else {
            0
        };
        let first = (page - 1) * per_page + 1;
        let coins: Vec<Value> = (first..first + per_page)
            .filter(|rank| *rank <= RANKED)
            .map(|rank| coin_at(rank, step))
            .collect();
        ResponseTemplate::new(200).set_body_json(coins)
    }
}

fn coin_list() -> Value {
    Value::Array(
        (1..=LISTED)
            .map(|n| {
                let (id, symbol, name) = names(n);
                json!({"id": id, "symbol": symbol, "name": name})
            })
            .collect(),
    )
}

struct StandIn {
    server: MockServer,
    markets: Markets,
    charts_asked: Arc<AtomicBool>,
}

impl StandIn {
    async fn start() -> Self {
        let server = MockServer::start().await;
        let markets = Markets::default();
        Mock::given(method("GET"))
            .and(path("/api/v3/coins/markets"))
            .respond_with(markets.clone())
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v3/coins/list"))
            .respond_with(ResponseTemplate::new(200).set_body_json(coin_list()))
            .mount(&server)
            .await;
        let charts_asked = Arc::new(AtomicBool::new(false));
        let asked = Arc::clone(&charts_asked);
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex("/market_chart$"))
            .respond_with(move |_: &Request| {
                asked.store(true, Ordering::SeqCst);
                ResponseTemplate::new(200).set_body_json(json!({"prices": []}))
            })
            .mount(&server)
            .await;
        Self {
            server,
            markets,
            charts_asked,
        }
    }

    fn env(&self) -> Vec<(String, String)> {
        with_var(
            stand_in_env(&format!("{}/api/v3", self.server.uri())),
            "MARKET_TOP_COINS",
            "1000",
        )
    }

    async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    async fn asked_for_ids(&self) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r.url.query_pairs().any(|(k, _)| k == "ids"))
            .count()
    }
}

/// Waits until the product lists all of the ranked 1,000 and knows the coin list.
async fn filled(app: &TestApp) {
    eventually("the ranked 1,000 and the coin list", || async {
        app.service.feed().live().snapshot().coins().len() == 1_000
            && app.service.feed().directory().len() == LISTED as usize
    })
    .await;
}

#[actix_web::test]
async fn every_ranked_coin_to_rank_1000_is_reachable_by_paging_and_sorting() {
    let stand_in = StandIn::start().await;
    let app = spawn(stand_in.env()).await;
    filled(&app).await;

    let (status, html) = app.page("/?per_page=100&page=10").await;
    assert_eq!(status, 200);
    let ids = listed_ids(&html);
    assert_eq!(ids.len(), 100);
    assert_eq!(ids.first().map(String::as_str), Some("coin-901"));
    assert_eq!(ids.last().map(String::as_str), Some("coin-1000"));
    assert!(
        html.contains("aria-current=\"page\">10<"),
        "the last page is 10"
    );

    let (_, html) = app.page("/?sort=rank&dir=desc").await;
    assert_eq!(
        listed_ids(&html).first().map(String::as_str),
        Some("coin-1000")
    );
    let (_, html) = app.page("/?sort=price&dir=asc").await;
    assert_eq!(
        listed_ids(&html).first().map(String::as_str),
        Some("coin-1000"),
        "the cheapest of the 1,000 sorts first"
    );
    assert_eq!(app.page("/coins/coin-1000").await.0, 200);

    let pages: Vec<String> = stand_in
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path() == "/api/v3/coins/markets")
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    for page in ["1", "2", "3", "4"] {
        assert!(
            pages.iter().any(|p| p == page),
            "page {page} was never asked for"
        );
    }
    assert!(
        !pages.iter().any(|p| p == "5"),
        "nothing past rank 1,000 is polled"
    );
}

#[actix_web::test]
async fn a_failing_page_keeps_its_rows_with_their_own_time_while_the_others_stay_fresh() {
    let stand_in = StandIn::start().await;
    let app = spawn(stand_in.env()).await;
    filled(&app).await;
    stand_in.markets.failing_page.store(3, Ordering::SeqCst);
    let fresh_before = stand_in.markets.page_one_answers.load(Ordering::SeqCst);
    eventually(
        "the failing page marked and page 1 refreshed again",
        || async {
            let snapshot = app.service.feed().live().snapshot();
            let kept = snapshot
                .coins()
                .iter()
                .filter(|c| c.kept_from.is_some())
                .count();
            kept == 250
                && stand_in.markets.page_one_answers.load(Ordering::SeqCst) > fresh_before + 1
        },
    )
    .await;
    let snapshot = app.service.feed().live().snapshot();
    let kept_ranks: Vec<u32> = snapshot
        .coins()
        .iter()
        .filter(|c| c.kept_from.is_some())
        .filter_map(|c| c.rank)
        .collect();
    assert_eq!(kept_ranks, (501..=750).collect::<Vec<_>>());

    let (status, html) = app.page("/?per_page=100&page=6").await;
    assert_eq!(status, 200);
    assert_eq!(listed_ids(&html).len(), 100, "the failing page's rows stay");
    assert!(
        html.contains("class=\"kept-as-of\">as of "),
        "with their own time"
    );
    let (_, html) = app.page("/").await;
    assert!(!html.contains("kept-as-of"), "page 1 stays fresh");
    assert!(banners(&html).is_empty(), "{:?}", banners(&html));
}

#[actix_web::test]
async fn search_lists_ranked_matches_first_then_the_long_tail_marked_as_outside_the_top() {
    let stand_in = StandIn::start().await;
    let app = spawn(stand_in.env()).await;
    filled(&app).await;

    let (status, html) = app.page("/?q=zebra").await;
    assert_eq!(status, 200);
    assert_eq!(listed_ids(&html), ["zebra-chain"]);
    let tail = html
        .find("Outside the top 1,000")
        .expect("a long-tail section");
    assert!(
        html[tail..].contains("href=\"/coins/zebra-tail\""),
        "{html}"
    );
    assert!(html[tail..].contains("Not in the top 1,000"));
    assert!(
        html.find("zebra-chain").expect("ranked") < tail,
        "ranked first"
    );

    // Only the long tail matches: the table is empty, the long tail still listed.
    let (_, html) = app.page("/?q=tailcoin%2012345").await;
    assert!(listed_ids(&html).is_empty());
    assert!(html.contains("href=\"/coins/tail-12345\""));
}

#[actix_web::test]
async fn a_long_tail_coin_has_a_page_fetched_once_kept_and_watchable() {
    let stand_in = StandIn::start().await;
    let app = spawn(stand_in.env()).await;
    filled(&app).await;

    let (status, html) = app.page("/coins/zebra-tail").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Zebra Tail"));
    assert!(html.contains("Outside the top 1,000 coins"));
    assert!(html.contains("Prices as of"));
    assert_eq!(stand_in.asked_for_ids().await, 1);
    assert_eq!(app.page("/coins/zebra-tail").await.0, 200);
    assert_eq!(stand_in.asked_for_ids().await, 1, "kept, not fetched again");

    app.sign_in(7, "ada").await;
    let (_, html) = app.page("/coins/zebra-tail").await;
    let token = csrf_token(&html);
    let res = app
        .post_form(
            "/coins/zebra-tail/watch",
            &[("csrf_token", &token), ("return_to", "/coins/zebra-tail")],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let (_, html) = app.page("/watchlist").await;
    assert!(html.contains("href=\"/coins/zebra-tail\""), "{html}");
    assert!(!html.contains("No longer listed"));
}

#[actix_web::test]
async fn an_id_outside_the_coin_list_is_404_without_a_call() {
    let stand_in = StandIn::start().await;
    let app = spawn(stand_in.env()).await;
    filled(&app).await;
    let before = stand_in.requests().await.len();
    let (status, html) = app.page("/coins/no-such-coin").await;
    assert_eq!(status, 404);
    assert!(html.contains("<main"));
    assert_eq!(stand_in.asked_for_ids().await, 0);
    // The refresher may have polled meanwhile, but never for this coin.
    assert!(
        stand_in
            .requests()
            .await
            .iter()
            .skip(before)
            .all(|r| !r.url.as_str().contains("no-such-coin"))
    );
}

#[actix_web::test]
async fn every_call_is_counted_failures_included() {
    let stand_in = StandIn::start().await;
    // No /global on this stand-in: those calls fail, and count.
    let env = with_var(stand_in.env(), "MARKET_REFRESH_SECS", "3600");
    let env = with_var(env, "MARKET_STALE_SECS", "86400");
    let app = spawn(env).await;
    filled(&app).await;
    eventually("the global figures tried", || async {
        stand_in
            .requests()
            .await
            .iter()
            .any(|r| r.url.path() == "/api/v3/global")
    })
    .await;
    // Quiet now (the next calls are an hour away): the count matches what the stand-in saw.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let made = stand_in.requests().await.len() as i64;
    let month = product::feed::ledger::month_key(shared_ui::format::now_unix());
    let counted: i64 = app
        .service
        .pool()
        .run(move |conn| {
            #[derive(diesel::QueryableByName)]
            struct Total {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                total: i64,
            }
            let rows: Vec<Total> = diesel::sql_query(format!(
                "SELECT CAST(COALESCE(SUM(calls), 0) AS BIGINT) AS total FROM api_calls WHERE month = '{month}'"
            ))
            .load(conn)?;
            Ok(rows.first().map_or(0, |t| t.total))
        })
        .await
        .expect("the count");
    assert_eq!(counted, made, "every call the stand-in saw is counted");
}

#[actix_web::test]
async fn charts_are_drawn_from_stored_prices_when_the_chart_share_is_spent() {
    let stand_in = StandIn::start().await;
    // 1,000 calls a month keep 100 for charts; all 100 are spent already.
    let env = with_var(stand_in.env(), "COINGECKO_MONTHLY_CALLS", "1000");
    let env = with_var(env, "MARKET_TOP_COINS", "250");
    let env = with_var(env, "MARKET_STALE_SECS", "604800");
    let app = spawn(env).await;
    app.snapshot_version(1).await;
    let month = product::feed::ledger::month_key(shared_ui::format::now_unix());
    app.service
        .pool()
        .run(move |conn| {
            diesel::sql_query(format!(
                "INSERT INTO api_calls (month, purpose, calls) VALUES ('{month}', 'chart', 100)"
            ))
            .execute(conn)?;
            Ok(())
        })
        .await
        .expect("the spent share");

    for range in ["30d", "1y"] {
        let (status, html) = app.page(&format!("/coins/coin-1?range={range}")).await;
        assert_eq!(status, 200, "{range}: never an error page");
        assert!(html.contains("Drawn from stored prices"), "{range}");
        assert!(
            html.contains("<svg class=\"chart"),
            "{range}: a chart is drawn"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !stand_in.charts_asked.load(Ordering::SeqCst),
        "no chart was fetched"
    );
}

#[actix_web::test]
async fn a_watchlist_of_long_tail_coins_shows_their_prices_fetched_together_and_kept() {
    let stand_in = StandIn::start().await;
    let app = spawn(stand_in.env()).await;
    filled(&app).await;
    app.sign_in(7, "ada").await;
    let watched = ["zebra-tail", "tail-1300", "tail-14999"];
    for id in watched {
        let (_, html) = app.page("/").await;
        let token = csrf_token(&html);
        let res = app
            .post_form(
                &format!("/coins/{id}/watch"),
                &[("csrf_token", &token), ("return_to", "/")],
            )
            .await;
        assert!(res.status().is_redirection(), "{id}: {}", res.status());
    }
    assert_eq!(stand_in.asked_for_ids().await, 0, "watching costs no call");

    let (status, html) = app.page("/watchlist").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        stand_in.asked_for_ids().await,
        1,
        "one call for every stale coin"
    );
    let section = &html[html.find("outside-top-heading").expect(&html)..];
    for id in watched {
        let row = &section[section.find(&format!("href=\"/coins/{id}\"")).expect(id)..];
        let row = &row[..row.find("</tr>").expect(id)];
        let price = &row[row.find("class=\"num price\"").expect(id)..];
        assert!(price.contains(">$"), "{id} has a price: {row}");
        assert!(price.contains("kept-as-of"), "{id} says when: {row}");
    }
    assert!(!html.contains("We have no price for these yet"));

    app.page("/watchlist").await;
    assert_eq!(
        stand_in.asked_for_ids().await,
        1,
        "kept figures serve while fresh"
    );
}
