//! The whole site in-process on port 0, each service on its own throwaway database.
#![allow(dead_code)]

use chassis::config::{LocalDefaults, LogFormat, SessionKey};
use chassis::testing::TestDatabase;

pub struct Site {
    pub address: String,
    _login_db: TestDatabase,
    pub product_db: TestDatabase,
    handle: actix_web::dev::ServerHandle,
}

impl Site {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

pub async fn spawn_site() -> Site {
    spawn_site_with(chassis::testing::test_sessions()).await
}

/// The site on a given session store (tests that stop and start the store choose theirs).
pub async fn spawn_site_with(sessions: chassis::session::Sessions) -> Site {
    let login_db = TestDatabase::new("site_login");
    let product_db = TestDatabase::new("site_product");
    let key = SessionKey::generate().to_base64();
    let env = [
        ("BIND", "127.0.0.1:0"),
        ("SESSION_KEY", key.as_str()),
        ("LOGIN_DATABASE_URL", login_db.raw_url()),
        ("PRODUCT_DATABASE_URL", product_db.raw_url()),
        ("MARKET_SOURCE", "demo"),
        ("BODY_LIMIT_BYTES", "16384"),
    ];
    let defaults = LocalDefaults {
        bind: Some("127.0.0.1:0".into()),
        session_key: None,
        cookie_secure: false,
        log_format: LogFormat::Text,
        shutdown_drain_secs: 0,
        metrics_off: true,
        in_process_sessions: true,
    };
    let mut config = site::SiteConfig::from_env(&env, &defaults).expect("valid config");
    config.common.sessions = sessions.clone();
    config.login.common.sessions = sessions.clone();
    config.product.common.sessions = sessions;
    let app = site::build(&config).await.expect("the site starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    actix_web::rt::spawn(app.run());
    Site {
        address,
        _login_db: login_db,
        product_db,
        handle,
    }
}

// Signing up and in through the forms, as a browser does.

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn page(client: &reqwest::Client, url: String) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body")
}

/// The session cookie a response set, as a thief would copy it.
pub fn session_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("coinwatch="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// Registers `name` in a fresh browser; returns the browser and a copy of its cookie.
pub async fn sign_up(site: &Site, name: &str) -> (reqwest::Client, String) {
    let client = chassis::testing::browser();
    let html = page(&client, site.url("/account/register")).await;
    let res = client
        .post(site.url("/account/register"))
        .form(&[
            ("csrf_token", chassis::testing::csrf_token(&html).as_str()),
            ("username", name),
            ("email", &format!("{name}@example.com")),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    let cookie = session_cookie(&res);
    (client, cookie)
}

/// Logs `name` in from another browser; returns it and a copy of its cookie.
pub async fn log_in(site: &Site, name: &str) -> (reqwest::Client, String) {
    let client = chassis::testing::browser();
    let html = page(&client, site.url("/account/login")).await;
    let res = client
        .post(site.url("/account/login"))
        .form(&[
            ("csrf_token", chassis::testing::csrf_token(&html).as_str()),
            ("login", name),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("log in");
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    let cookie = session_cookie(&res);
    (client, cookie)
}
