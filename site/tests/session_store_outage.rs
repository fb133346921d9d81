//! The session store goes away and comes back: pages keep answering 200 (anonymously, with a
//! notice), forms that need a session answer the styled 503, nothing answers 500, and the
//! signed-in session is back seconds after the store is, with no restart.
//!
//! Runs a real `redis-server` of its own on a free port, so it can stop and start it. Ignored
//! where none is installed; `.ci/run` installs it and runs the ignored tests.

mod support;

use chassis::testing::csrf_token;
use reqwest::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct RedisServer {
    port: u16,
    child: Child,
}

impl RedisServer {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server)");
        let server = Self { port, child };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start on port {port}");
    }

    fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn get(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let res = client.get(url).send().await.expect("answer");
    let status = res.status();
    (status, res.text().await.expect("body"))
}

#[actix_web::test]
#[ignore = "needs redis-server; .ci/run installs it and runs this with --include-ignored"]
async fn pages_survive_the_session_store_going_away_and_sessions_return_with_it() {
    let redis = RedisServer::start(free_port());
    let sessions = chassis::session::Sessions::valkey(
        &format!("redis://127.0.0.1:{}", redis.port),
        "outage-test:",
    )
    .expect("a store URL");
    let site = support::spawn_site_with(sessions).await;
    let (client, _) = support::sign_up(&site, "steady").await;
    let password = support::PASSWORD;
    let (_, home) = get(&client, site.url("/")).await;
    assert!(home.contains("Account of </span>steady"));
    let token_before = csrf_token(&home);
    // Market pages must be servable before the store goes away: the demo feed's first
    // snapshot can take a few seconds on a busy database.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while get(&client, site.url("/coins/bitcoin")).await.0 != StatusCode::OK {
        assert!(
            std::time::Instant::now() < deadline,
            "no market snapshot within a minute"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }

    let port = redis.stop();

    // Every page still answers, anonymously, and says why; none answers 500.
    for path in [
        "/",
        "/coins/bitcoin",
        "/watchlist",
        "/account/login",
        "/account/register",
    ] {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let (status, body) = get(&client, site.url(path)).await;
            assert!(
                !status.is_server_error(),
                "{path} answered {status} with the store down"
            );
            seen.push((status, body.contains("Signing in is unavailable")));
        }
        let (status, noticed) = seen[seen.len() - 1];
        assert!(
            status == StatusCode::OK || status == StatusCode::SEE_OTHER,
            "{path}: {status}"
        );
        if status == StatusCode::OK {
            assert!(
                noticed,
                "{path} gives no notice that signing in is unavailable"
            );
        }
    }
    // A form that needs a session gets the styled 503.
    let (_, login_page) = get(&client, site.url("/account/login")).await;
    let res = client
        .post(site.url("/account/login"))
        .form(&[
            ("csrf_token", csrf_token(&login_page).as_str()),
            ("login", "steady"),
            ("password", password),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.text().await.expect("body").contains("error-status"));
    let res = client
        .post(site.url("/coins/bitcoin/watch"))
        .form(&[("csrf_token", token_before.as_str())])
        .send()
        .await
        .expect("watch");
    assert!(!res.status().is_server_error() || res.status() == StatusCode::SERVICE_UNAVAILABLE);

    // Back on the same port: the session is honoured again within seconds, with no restart.
    let _redis = RedisServer::start(port);
    let mut back = false;
    for _ in 0..40 {
        let (status, home) = get(&client, site.url("/")).await;
        assert_eq!(status, StatusCode::OK);
        if home.contains("Account of </span>steady") && !home.contains("Signing in is unavailable")
        {
            back = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    }
    // The store was restarted empty (no persistence), so the old session is gone: what must
    // come back is signing in itself.
    if !back {
        let (_, login_page) = get(&client, site.url("/account/login")).await;
        assert!(
            !login_page.contains("Signing in is unavailable"),
            "still degraded"
        );
        let (fresh, _) = support::log_in(&site, "steady").await;
        let (_, home) = get(&fresh, site.url("/")).await;
        assert!(
            home.contains("Account of </span>steady"),
            "cannot sign in after recovery"
        );
    }
}
