//! Live prices: `GET /prices/live` streams the figures of the coins a page shows, formatted as
//! the page formats them, first all of them and then what each new snapshot changed. A stream
//! is never compressed, is refused beyond the process's limit, and ends when the process drains.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::*;
use wiremock::MockServer;

async fn market(env: Vec<(String, String)>) -> (MockServer, TestApp) {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    serve_rates(&upstream).await;
    let app = spawn(env_with_upstream(&upstream, env)).await;
    app.snapshot_version(1).await;
    (upstream, app)
}

fn env_with_upstream(upstream: &MockServer, extra: Vec<(String, String)>) -> Vec<(String, String)> {
    extra
        .into_iter()
        .fold(coingecko_env(upstream), |env, (k, v)| with_var(env, &k, &v))
}

/// An open stream, read event by event.
struct Stream {
    res: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, query: &str) -> Self {
        let res = app
            .client
            .get(app.url(&format!("/prices/live?{query}")))
            .header("accept", "text/event-stream")
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .expect("the server answers");
        assert_eq!(res.status(), 200, "a stream for {query}");
        Self {
            res,
            buffer: String::new(),
        }
    }

    /// The next frame, comments included; `None` when the stream has ended.
    async fn frame(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(frame);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.res.chunk())
                .await
                .expect("the stream sends something in time")
                .expect("the stream is readable")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// The data of the next `prices` event.
    async fn prices(&mut self) -> Value {
        loop {
            let frame = self.frame().await.expect("an event before the end");
            if let Some(data) = frame.strip_prefix("event: prices\ndata: ") {
                return serde_json::from_str(data).expect("JSON data");
            }
            assert!(frame.starts_with(':'), "a comment or an event: {frame:?}");
        }
    }
}

#[actix_web::test]
async fn a_stream_starts_with_the_figures_the_page_shows_and_is_never_compressed() {
    let (_upstream, app) = market(vec![]).await;
    let mut stream = Stream::open(&app, "ids=bitcoin,ethereum").await;
    let headers = stream.res.headers().clone();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-accel-buffering"], "no");
    assert!(
        headers
            .get("content-encoding")
            .is_none_or(|v| v == "identity"),
        "compressed: {headers:?}"
    );
    assert!(
        !headers
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap_or("").contains("accept-encoding")),
        "an event stream does not vary by encoding"
    );

    let first = stream.prices().await;
    let bitcoin = &first["coins"]["bitcoin"];
    assert_eq!(bitcoin["price"], "$64,231.50");
    let change = &bitcoin["changes"]["24h"];
    assert_eq!(change["text"], "-4.00%");
    assert_eq!(change["direction"], "down");
    assert!(first["coins"]["ethereum"].is_object());
    assert!(
        first["coins"].get("solana").is_none(),
        "only the coins asked for"
    );

    let (_, listing) = app.page("/").await;
    for figure in [
        bitcoin["price"].as_str().expect("a price"),
        change["text"].as_str().expect("a change"),
        first["updated"]["text"].as_str().expect("a time"),
    ] {
        assert!(listing.contains(figure), "the listing shows {figure:?} too");
    }
    assert!(listing.contains("data-live-price=\"bitcoin\""));
    assert!(listing.contains("data-live-change=\"24h\""));
    assert!(listing.contains("data-live-updated"));
}

#[actix_web::test]
async fn a_stream_is_in_the_currency_of_the_page() {
    let (_upstream, app) = market(vec![]).await;
    app.rates_loaded().await;
    let mut stream = Stream::open(&app, "ids=bitcoin&currency=eur").await;
    let price = stream.prices().await["coins"]["bitcoin"]["price"]
        .as_str()
        .expect("a price")
        .to_owned();
    assert!(price.starts_with('€'), "{price}");
    let (_, page) = app.page("/coins/bitcoin?currency=eur").await;
    assert!(page.contains(&price), "the coin page shows {price} too");
}

#[actix_web::test]
async fn a_new_snapshot_sends_the_figures_that_changed() {
    let (upstream, app) = market(vec![]).await;
    let mut stream = Stream::open(&app, "ids=bitcoin,ethereum").await;
    stream.prices().await;

    upstream.reset().await;
    let mut later = three_coins();
    later[0]["current_price"] = Value::from(70_000.0);
    serve_markets(&upstream, later).await;
    loop {
        let update = stream.prices().await;
        if let Some(bitcoin) = update["coins"].get("bitcoin") {
            assert_eq!(bitcoin["price"], "$70,000.00");
            assert!(
                update["coins"].get("ethereum").is_none(),
                "unchanged coins are not sent again"
            );
            assert!(update["updated"]["text"].is_string());
            break;
        }
    }
}

#[actix_web::test]
async fn coins_that_are_not_listed_are_refused() {
    let (_upstream, app) = market(vec![]).await;
    let too_many = (0..101)
        .map(|i| format!("coin-{i}"))
        .collect::<Vec<_>>()
        .join(",");
    for query in [
        "ids=bitcoin,no-such-coin".to_owned(),
        "ids=Bitcoin!".to_owned(),
        "ids=".to_owned(),
        String::new(),
        format!("ids={too_many}"),
    ] {
        let res = app.get(&format!("/prices/live?{query}")).await;
        assert_eq!(res.status(), 400, "{query}");
    }
}

#[actix_web::test]
async fn streams_beyond_the_limit_are_asked_to_come_back_later() {
    let (_upstream, app) = market(vec![("LIVE_STREAMS_MAX".into(), "1".into())]).await;
    let mut first = Stream::open(&app, "ids=bitcoin").await;
    first.prices().await;

    let refused = app.get("/prices/live?ids=bitcoin").await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    // A place is given back when its stream ends; a client that went away is noticed at the
    // next write (a heartbeat at the latest), too late for a quick test.
    drop(first);
}

#[actix_web::test]
async fn streams_end_when_the_process_drains() {
    let (_upstream, app) = market(vec![]).await;
    let mut stream = Stream::open(&app, "ids=bitcoin").await;
    stream.prices().await;

    app.server.lifecycle.start_draining();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while stream.frame().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended promptly");

    let refused = app.get("/prices/live?ids=bitcoin").await;
    assert_eq!(refused.status(), 503, "no new stream while draining");
    assert!(refused.headers().contains_key("retry-after"));
}
