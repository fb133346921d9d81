//! What a careful security reviewer checks: no account enumeration, throttling, CSRF, safe
//! redirects, escaped output, session renewal, and the breached-password check.

mod support;

use chassis::testing::browser;
use reqwest::StatusCode;
use std::time::Duration;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[actix_web::test]
async fn an_unknown_user_and_a_wrong_password_get_identical_answers() {
    let app = spawn().await;
    let _ = signed_up(&app, "existing").await;
    // One client, so the CSRF token (the only per-session part of the page) is the same.
    let client = browser();
    let unknown = log_in(&app, &client, "somebody", "wrong password 123").await;
    let (unknown_status, unknown_body) = (unknown.status(), unknown.text().await.expect("body"));
    let wrong = log_in(&app, &client, "somebody", "wrong password 123").await;
    assert_eq!(wrong.status(), unknown_status);
    let known = log_in(&app, &client, "existing", "wrong password 123").await;
    let (known_status, known_body) = (known.status(), known.text().await.expect("body"));
    assert_eq!(unknown_status, StatusCode::UNAUTHORIZED);
    assert_eq!(known_status, unknown_status);
    assert_eq!(
        known_body.replace("value=\"existing\"", "value=\"somebody\""),
        unknown_body,
        "the pages differ beyond the echoed login"
    );
}

#[actix_web::test]
async fn repeated_failures_throttle_the_account_with_a_styled_429_and_success_resets_it() {
    let app = spawn_with(&[
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"),
        ("LOGIN_MAX_FAILURES_PER_IP", "100"),
    ])
    .await;
    let _ = signed_up(&app, "target").await;
    let client = browser();

    // Two failures, then a success: the count starts over.
    for _ in 0..2 {
        assert_eq!(
            log_in(&app, &client, "target", "wrong guess 1")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        log_in(&app, &browser(), "target", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    for _ in 0..2 {
        assert_eq!(
            log_in(&app, &client, "target", "wrong guess 2")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        log_in(&app, &browser(), "target", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // Three in a row block the account, even for the right password.
    for _ in 0..3 {
        assert_eq!(
            log_in(&app, &client, "target", "wrong guess 3")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = log_in(&app, &browser(), "target", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(wait > 0);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("Too many attempts") && html.contains("seconds"),
        "{html}"
    );

    // An unknown name is throttled exactly like a known one.
    for _ in 0..3 {
        assert_eq!(
            log_in(&app, &client, "ghost", "wrong guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        log_in(&app, &client, "ghost", "wrong guess").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn many_failures_from_one_address_throttle_that_address() {
    let app = spawn_with(&[
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "100"),
        ("LOGIN_MAX_FAILURES_PER_IP", "4"),
    ])
    .await;
    let _ = signed_up(&app, "victim").await;
    let client = browser();
    for i in 0..4 {
        let res = log_in(&app, &client, &format!("user{i}"), "wrong guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        log_in(&app, &client, "victim", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn a_forwarded_for_header_from_an_untrusted_peer_does_not_escape_the_throttle() {
    // The test config trusts 127.0.0.1, so the header is believed; with a rotating fake
    // client address each attempt would get a fresh IP bucket, but the account bucket holds.
    let app = spawn_with(&[
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "2"),
        ("LOGIN_MAX_FAILURES_PER_IP", "100"),
    ])
    .await;
    let client = browser();
    for i in 0..2 {
        let csrf = token(&client, &app.url("/account/login")).await;
        let res = client
            .post(app.url("/account/login"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "someone"),
                ("password", "guess guess"),
            ])
            .send()
            .await
            .expect("response");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        log_in(&app, &client, "someone", "guess guess")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[actix_web::test]
async fn every_form_refuses_a_missing_or_wrong_csrf_token() {
    let app = spawn().await;
    let client = signed_up(&app, "csrf_user").await;
    for path in [
        "/account/login",
        "/account/register",
        "/account/logout",
        "/account/password",
        "/account/email",
        "/account/delete",
    ] {
        for fields in [vec![], vec![("csrf_token", "not-the-token")]] {
            let mut fields = fields;
            fields.extend([
                ("login", "csrf_user"),
                ("password", PASSWORD),
                ("current_password", PASSWORD),
                ("confirm_username", "csrf_user"),
            ]);
            let res = post_form(&client, &app.url(path), &fields).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path} {fields:?}");
            assert!(
                res.text()
                    .await
                    .expect("body")
                    .contains("This form has expired")
            );
        }
    }
    let (status, _) = account_html(&app, &client).await;
    assert_eq!(status, StatusCode::OK, "a rejected form changed something");
}

#[actix_web::test]
async fn login_returns_to_local_pages_only() {
    let app = spawn().await;
    let _ = signed_up(&app, "traveller").await;
    let res = log_in_next(
        &app,
        &browser(),
        "traveller",
        PASSWORD,
        "/coins/bitcoin?range=7d",
    )
    .await;
    assert_eq!(location(&res), "/coins/bitcoin?range=7d");
    for evil in [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/%2F/evil.example",
        "%2f%5cevil.example",
        "https:%2F%2Fevil.example",
        "%252F%252Fevil.example",
    ] {
        let res = log_in_next(&app, &browser(), "traveller", PASSWORD, evil).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/", "{evil}");
        // The login page itself does not carry an unsafe next into its form either.
        let html = browser()
            .get(app.url(&format!("/account/login?next={}", urlencode(evil))))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        assert!(html.contains("name=\"next\" value=\"/\""), "{evil}");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[actix_web::test]
async fn an_xss_payload_is_shown_escaped_everywhere_it_appears() {
    let app = spawn().await;
    let payload = "<script>alert('x')</script>";
    // Echoed in the login form.
    let res = log_in(&app, &browser(), payload, "whatever pass").await;
    let html = res.text().await.expect("body");
    assert!(!html.contains(payload));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    // Echoed in the registration form (it is not a valid username or email).
    let client = browser();
    let res = register(&app, &client, payload, payload, PASSWORD).await;
    let html = res.text().await.expect("body");
    assert!(!html.contains(payload));
    // A quoted email local part is valid syntax: it is stored and shown escaped.
    let email = "\"<b>x</b>\"@example.com";
    let res = register(&app, &client, "quoted", email, PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "a quoted local part is accepted"
    );
    let (_, html) = account_html(&app, &client).await;
    assert!(!html.contains("<b>x</b>"));
    assert!(html.contains("&#60;b&#62;x&#60;/b&#62;") || html.contains("&lt;b&gt;x&lt;/b&gt;"));
}

#[actix_web::test]
async fn logging_in_replaces_the_session_so_an_earlier_token_is_worthless() {
    let app = spawn().await;
    let _ = signed_up(&app, "fixation").await;
    let client = browser();
    let before = token(&client, &app.url("/account/login")).await;
    assert_eq!(
        log_in(&app, &client, "fixation", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let after = token(&client, &app.url("/account")).await;
    assert_ne!(before, after);
    let res = post_form(
        &client,
        &app.url("/account/logout"),
        &[("csrf_token", &before)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_breached_password_is_refused_and_an_unreachable_check_fails_open() {
    let pwned = MockServer::start().await;
    // SHA-1 of PASSWORD, split as the range API does.
    let digest = {
        use sha1::Digest;
        hex::encode_upper(sha1::Sha1::digest(PASSWORD.as_bytes()))
    };
    let (prefix, suffix) = digest.split_at(5);
    Mock::given(method("GET"))
        .and(path(format!("/range/{prefix}")))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n{suffix}:4211\r\nFFFF0000000000000000000000000000000:0\r\n")))
        .expect(1)
        .mount(&pwned)
        .await;
    let app = spawn_with(&[
        ("BREACHED_PASSWORD_CHECK", "true"),
        ("PWNED_PASSWORDS_URL", &pwned.uri()),
    ])
    .await;
    let res = register(&app, &browser(), "breached", "b@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("appeared in a data breach")
    );

    // A slow or broken range API lets people register.
    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&slow)
        .await;
    let app = spawn_with(&[
        ("BREACHED_PASSWORD_CHECK", "true"),
        ("PWNED_PASSWORDS_URL", &slow.uri()),
        ("PWNED_PASSWORDS_TIMEOUT_MS", "200"),
    ])
    .await;
    let res = register(&app, &browser(), "patient", "p@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}
