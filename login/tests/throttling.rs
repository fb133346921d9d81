//! Throttling against what attackers actually do: bursts sent at once, lockouts used to
//! link a username to its email or to lock the owner out, and sign-ups used to probe which
//! names and emails exist. Each runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.

mod support;

use chassis::testing::browser;
use login::clock::ManualClock;
use reqwest::{Client, Response, StatusCode};
use std::collections::BTreeMap;
use support::*;

const T0: i64 = 1_800_000_000;
const WRONG: &str = "not the password 1";

/// Sends the same form `n` times at once from one client (one address); the statuses.
async fn all_at_once(
    client: &Client,
    url: String,
    form: Vec<(&str, String)>,
    n: usize,
) -> Vec<StatusCode> {
    let form: Vec<(String, String)> = form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let mut posts = tokio::task::JoinSet::new();
    for _ in 0..n {
        let request = client.post(&url).form(&form);
        posts.spawn(async move { request.send().await.expect("response").status() });
    }
    posts.join_all().await
}

/// `n` login posts at once from one client.
async fn burst(
    app: &App,
    client: &Client,
    login: &str,
    password: &str,
    n: usize,
) -> Vec<StatusCode> {
    let csrf = token(client, &app.url("/account/login")).await;
    let form = vec![
        ("csrf_token", csrf),
        ("login", login.to_owned()),
        ("password", password.to_owned()),
    ];
    all_at_once(client, app.url("/account/login"), form, n).await
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[actix_web::test]
async fn a_burst_of_sixty_wrong_passwords_verifies_at_most_the_account_limit() {
    // The defaults: 5 per account, 20 per address.
    let app = spawn().await;
    let _ = signed_up(&app, "burst_target").await;
    let before = verifications(&app);

    let statuses = burst(&app, &browser(), "burst_target", WRONG, 60).await;

    let verified = verifications(&app) - before;
    let (wrong, throttled) = (
        count(&statuses, StatusCode::UNAUTHORIZED),
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
    );
    assert_eq!(wrong + throttled, 60, "unexpected answers: {statuses:?}");
    assert!(verified <= 5, "{verified} passwords were verified");
    assert_eq!(wrong as u64, verified, "every 401 is one verification");
    assert_eq!(wrong, 5, "the allowance was not used up: {statuses:?}");
    // The right password is refused too, without a verification.
    let res = log_in(&app, &browser(), "burst_target", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(verifications(&app) - before, verified);
}

#[actix_web::test]
async fn a_burst_of_wrong_current_passwords_on_the_account_page_verifies_at_most_the_limit() {
    let app = spawn().await;
    let client = signed_up(&app, "reauth_target").await;
    let csrf = token(&client, &app.url("/account")).await;
    let before = verifications(&app);
    let form = vec![
        ("csrf_token", csrf),
        ("current_password", WRONG.to_owned()),
        ("confirm_username", "reauth_target".to_owned()),
    ];
    let statuses = all_at_once(&client, app.url("/account/delete"), form, 30).await;
    let verified = verifications(&app) - before;
    assert!(verified <= 5, "{verified} passwords were verified");
    assert_eq!(
        count(&statuses, StatusCode::UNPROCESSABLE_ENTITY) as u64,
        verified
    );
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS) as u64,
        30 - verified
    );
    // The account still exists: the right password is locked out for now too.
    let (status, _) = account_html(&app, &client).await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn a_lockout_passes_with_its_time_and_no_one_sleeps() {
    let clock = ManualClock::at(T0);
    let app = spawn_with_clock(
        &[
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "2"),
            ("LOGIN_LOCKOUT_SECS", "300"),
            ("LOGIN_THROTTLE_WINDOW_SECS", "600"),
        ],
        &clock,
    )
    .await;
    let _ = signed_up(&app, "patient").await;
    let client = browser();
    for _ in 0..2 {
        assert_eq!(
            log_in(&app, &client, "patient", WRONG).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    clock.advance(100);
    let res = log_in(&app, &client, "patient", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "300");
    clock.advance(120);
    let res = log_in(&app, &client, "patient", PASSWORD).await;
    assert_eq!(res.headers()["retry-after"], "180");
    clock.advance(180);
    assert_eq!(
        log_in(&app, &browser(), "patient", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

/// Status, headers (less the date and the cookie values) and body of an answer.
async fn seen(res: Response) -> (StatusCode, BTreeMap<String, String>, String) {
    let status = res.status();
    let headers = res
        .headers()
        .iter()
        // The length follows the echoed login, which `answer` evens out in the body.
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "date" | "set-cookie" | "x-request-id" | "content-length"
            )
        })
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("<binary>").to_owned(),
            )
        })
        .collect();
    let cookie_names: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split('=').next().map(str::to_owned))
        .collect();
    let mut headers: BTreeMap<String, String> = headers;
    headers.insert("set-cookie names".into(), cookie_names.join(","));
    (status, headers, res.text().await.expect("body"))
}

/// The answer to a wrong password for `login`, with the echoed login replaced so pages for
/// different names compare equal.
async fn answer(
    app: &App,
    client: &Client,
    login: &str,
) -> (StatusCode, BTreeMap<String, String>, String) {
    let (status, headers, body) = seen(log_in(app, client, login, WRONG).await).await;
    (
        status,
        headers,
        body.replace(&format!("value=\"{login}\""), "value=\"LOGIN\""),
    )
}

#[actix_web::test]
async fn a_lockout_tells_nothing_about_which_names_and_emails_exist_or_belong_together() {
    let clock = ManualClock::at(T0);
    let app = spawn_with_clock(&[("LOGIN_MAX_FAILURES_PER_IP", "1000")], &clock).await;
    let _ = signed_up(&app, "real_name").await;
    let attacker = browser();
    // Lock a real username and a made-up one, at the same moment.
    for login in ["real_name", "made_up_name"] {
        for _ in 0..5 {
            assert_eq!(
                log_in(&app, &attacker, login, WRONG).await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
    }

    let locked_real = answer(&app, &attacker, "real_name").await;
    let locked_made_up = answer(&app, &attacker, "made_up_name").await;
    assert_eq!(locked_real.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        locked_real, locked_made_up,
        "a locked real name differs from a locked made-up one"
    );

    // The real name's email is not locked with it: it answers exactly like any other email,
    // known or not, so the lockout does not link the two.
    let real_email = answer(&app, &attacker, "real_name@example.com").await;
    let made_up_email = answer(&app, &attacker, "nobody@example.com").await;
    let unlocked_made_up_name = answer(&app, &attacker, "other_made_up").await;
    assert_eq!(real_email.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        real_email, made_up_email,
        "the real email answers unlike a made-up one"
    );
    assert_eq!(real_email, unlocked_made_up_name);

    // Locked emails, real or not, look alike too.
    for login in ["real_name@example.com", "nobody@example.com"] {
        for _ in 0..4 {
            assert_eq!(
                log_in(&app, &attacker, login, WRONG).await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
    }
    assert_eq!(
        answer(&app, &attacker, "real_name@example.com").await,
        answer(&app, &attacker, "nobody@example.com").await
    );
    // Meanwhile the username is still locked for strangers, whatever password they send.
    assert_eq!(
        log_in(&app, &browser(), "real_name", PASSWORD)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A login from another client address (the test server believes X-Forwarded-For).
async fn log_in_from(app: &App, ip: &str, login: &str, password: &str) -> StatusCode {
    let client = browser();
    let csrf = token(&client, &app.url("/account/login")).await;
    client
        .post(app.url("/account/login"))
        .header("x-forwarded-for", ip)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("login", login),
            ("password", password),
        ])
        .send()
        .await
        .expect("response")
        .status()
}

#[actix_web::test]
async fn the_owners_browser_gets_in_while_strangers_stay_locked_out() {
    let app = spawn_with(&[("LOGIN_MAX_FAILURES_PER_IP", "8")]).await;
    let owner = signed_up(&app, "owner").await;
    // A first login gives the owner's browser its device cookie.
    log_out(&app, &owner).await;
    let res = log_in(&app, &owner, "owner", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let device_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("device="))
        .expect("a device cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(device_cookie.contains(attribute), "{device_cookie}");
    }
    log_out(&app, &owner).await;

    // A stranger at the owner's own address locks the account, and the address too.
    let stranger = browser();
    let statuses = burst(&app, &stranger, "owner", WRONG, 10).await;
    assert_eq!(count(&statuses, StatusCode::UNAUTHORIZED), 5);
    assert_eq!(
        log_in(&app, &stranger, "owner", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    // The owner's browser still gets in with the right password...
    assert_eq!(
        log_in(&app, &owner, "owner", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    // ...while a browser without the cookie, from an address nobody has used, is refused:
    // the account stays locked for strangers.
    assert_eq!(
        log_in_from(&app, "203.0.113.9", "owner", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        log_in(&app, &browser(), "owner", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    // The device has an allowance of its own, not an unlimited one.
    log_out(&app, &owner).await;
    let before = verifications(&app);
    let statuses = burst(&app, &owner, "owner", WRONG, 12).await;
    assert_eq!(count(&statuses, StatusCode::UNAUTHORIZED), 5);
    assert_eq!(verifications(&app) - before, 5);
    assert_eq!(
        log_in(&app, &owner, "owner", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn a_device_cookie_for_another_account_does_not_bypass_its_lockout() {
    let app = spawn_with(&[("LOGIN_MAX_FAILURES_PER_IP", "1000")]).await;
    let _ = signed_up(&app, "victim_two").await;
    let attacker = signed_up(&app, "attacker_own").await;
    log_out(&app, &attacker).await;
    assert_eq!(
        log_in(&app, &attacker, "attacker_own", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    log_out(&app, &attacker).await;
    // The attacker's browser holds a device cookie, but for its own account.
    let statuses = burst(&app, &attacker, "victim_two", WRONG, 10).await;
    assert_eq!(count(&statuses, StatusCode::UNAUTHORIZED), 5);
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 5);
}

async fn register_form(
    app: &App,
    username: &str,
    email: &str,
    password: &str,
) -> (StatusCode, String) {
    let res = register(app, &browser(), username, email, password).await;
    (res.status(), res.text().await.expect("body"))
}

#[actix_web::test]
async fn registrations_and_taken_answers_are_limited_per_address_and_cost_no_hash() {
    let clock = ManualClock::at(T0);
    let app = spawn_with_clock(&[("REGISTRATIONS_PER_HOUR_PER_IP", "3")], &clock).await;
    let start = hashes(&app);
    let _ = signed_up(&app, "first").await;
    assert_eq!(hashes(&app) - start, 1);

    // Two probes: a taken name and a taken email. Each is answered, counted, and not hashed.
    let (status, html) = register_form(&app, "FIRST", "new@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("That username is taken."));
    let (status, html) = register_form(&app, "second", "First@Example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("An account already uses this email."));

    // Mistakes in the form are not probes: they do not count.
    for _ in 0..3 {
        let (status, _) = register_form(&app, "x", "not-an-email", "short").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = register_form(&app, "weakling", "w@example.com", "password123").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(hashes(&app) - start, 1);

    // The fourth counted attempt in the hour is refused, with a styled 429 and no hash.
    let res = register(&app, &browser(), "second", "second@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Too many attempts")
    );
    assert_eq!(hashes(&app) - start, 1);

    // An hour later the address may register again.
    clock.advance(3601);
    let (status, _) = register_form(&app, "second", "second@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(hashes(&app) - start, 2);
}

#[actix_web::test]
async fn email_in_use_answers_at_email_change_count_against_the_address() {
    let app = spawn_with(&[("REGISTRATIONS_PER_HOUR_PER_IP", "4")]).await;
    let _ = signed_up(&app, "someone_else").await;
    let client = signed_up(&app, "prober").await;
    let change = |email: &'static str| {
        let (app, client) = (&app, &client);
        async move {
            let csrf = token(client, &app.url("/account")).await;
            post_form(
                client,
                &app.url("/account/email"),
                &[
                    ("csrf_token", csrf.as_str()),
                    ("email", email),
                    ("current_password", PASSWORD),
                ],
            )
            .await
            .status()
        }
    };
    // A free email changes and gives its slot back; taken ones count.
    assert_eq!(change("prober2@example.com").await, StatusCode::SEE_OTHER);
    assert_eq!(
        change("someone_else@example.com").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        change("someone_else@example.com").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        change("someone_else@example.com").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
