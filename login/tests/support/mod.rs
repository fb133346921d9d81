//! Starts the login service in-process on port 0 with its own throwaway database
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), and drives it like a browser.
#![allow(dead_code)]

use chassis::testing::{TestDatabase, TestServer, browser, common_config, csrf_token};
use login::clock::ManualClock;
use login::{Config, LoginService};
use reqwest::{Client, Response, StatusCode};
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct App {
    pub server: TestServer,
    pub service: LoginService,
    _db: TestDatabase,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

pub async fn spawn() -> App {
    spawn_with(&[]).await
}

/// Starts login with extra environment settings (throttle limits, breached check...).
pub async fn spawn_with(env: &[(&str, &str)]) -> App {
    spawn_at(env, None).await
}

/// Starts login reading the time from `clock`, so windows and lockouts pass without sleeping.
pub async fn spawn_with_clock(env: &[(&str, &str)], clock: &ManualClock) -> App {
    spawn_at(env, Some(clock.clone())).await
}

async fn spawn_at(env: &[(&str, &str)], clock: Option<ManualClock>) -> App {
    let db = TestDatabase::new("login");
    let env: std::collections::HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let common = common_config();
    let config = Config::with_database(&env, common.clone(), db.url.clone()).expect("valid config");
    let mut service = LoginService::build(&config).await.expect("login starts");
    if let Some(clock) = clock {
        service = service.with_clock(Arc::new(clock));
    }
    let server = TestServer::start(&common, vec![Arc::new(service.clone())]);
    App {
        server,
        service,
        _db: db,
    }
}

/// The CSRF token a page hands this client.
pub async fn token(client: &Client, url: &str) -> String {
    let html = client
        .get(url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    csrf_token(&html)
}

pub async fn post_form(client: &Client, url: &str, fields: &[(&str, &str)]) -> Response {
    client
        .post(url)
        .form(fields)
        .send()
        .await
        .expect("response")
}

pub async fn register(
    app: &App,
    client: &Client,
    username: &str,
    email: &str,
    password: &str,
) -> Response {
    let csrf = token(client, &app.url("/account/register")).await;
    post_form(
        client,
        &app.url("/account/register"),
        &[
            ("csrf_token", &csrf),
            ("username", username),
            ("email", email),
            ("password", password),
            ("password_confirm", password),
        ],
    )
    .await
}

pub async fn log_in(app: &App, client: &Client, login: &str, password: &str) -> Response {
    log_in_next(app, client, login, password, "").await
}

pub async fn log_in_next(
    app: &App,
    client: &Client,
    login: &str,
    password: &str,
    next: &str,
) -> Response {
    let csrf = token(client, &app.url("/account/login")).await;
    post_form(
        client,
        &app.url("/account/login"),
        &[
            ("csrf_token", &csrf),
            ("login", login),
            ("password", password),
            ("next", next),
        ],
    )
    .await
}

/// A fresh client with a registered, logged-in user.
pub async fn signed_up(app: &App, username: &str) -> Client {
    let client = browser();
    let res = register(
        app,
        &client,
        username,
        &format!("{username}@example.com"),
        PASSWORD,
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "registration of {username} failed"
    );
    client
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub async fn account_html(app: &App, client: &Client) -> (StatusCode, String) {
    let res = client
        .get(app.url("/account"))
        .send()
        .await
        .expect("account page");
    let status = res.status();
    (status, res.text().await.expect("body"))
}

/// Passwords the service has verified so far.
pub fn verifications(app: &App) -> u64 {
    app.service.password_hasher().verifications()
}

/// Password hashes the service has computed so far.
pub fn hashes(app: &App) -> u64 {
    app.service.password_hasher().hashes()
}

/// Logs the client out (its device cookie, if any, stays).
pub async fn log_out(app: &App, client: &Client) {
    let csrf = token(client, &app.url("/account")).await;
    let res = post_form(
        client,
        &app.url("/account/logout"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "logout failed");
}
