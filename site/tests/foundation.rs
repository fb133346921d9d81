//! The foundation, end to end in one process: both services under their prefixes in the shared
//! layout, styled errors, CSRF, body limits and hostile cookies. Runs on SQLite, and on
//! PostgreSQL when TEST_DATABASE_URL is set.

mod support;

use chassis::testing::browser;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use support::spawn_site;

fn stylesheet_href(html: &str) -> String {
    let marker = "rel=\"stylesheet\" href=\"";
    let start = html.find(marker).expect("a stylesheet link") + marker.len();
    let end = html[start..].find('"').expect("end of href") + start;
    html[start..end].to_owned()
}

#[actix_web::test]
async fn one_process_serves_the_product_home_and_the_login_home_in_the_shared_layout() {
    let site = spawn_site().await;
    let client = browser();

    // A visitor asking for /account is sent to log in: that is the login home they see.
    let res = client
        .get(site.url("/account"))
        .send()
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/account/login?next=/account");
    for (path, css_prefix) in [
        ("/", "/assets/app."),
        ("/account/login", "/account/assets/app."),
    ] {
        let res = client.get(site.url(path)).send().await.expect("response");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = res.text().await.expect("body");
        assert!(
            html.contains("class=\"site-header\""),
            "{path} lacks the shared header"
        );
        assert!(
            html.contains("Skip to content"),
            "{path} lacks the skip link"
        );
        let css = stylesheet_href(&html);
        assert!(css.starts_with(css_prefix), "{path} links {css}");

        let res = client.get(site.url(&css)).send().await.expect("css");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CONTENT_TYPE], "text/css; charset=utf-8");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .expect("ascii")
                .contains("immutable")
        );
        assert!(
            res.text()
                .await
                .expect("css body")
                .contains("prefers-color-scheme: dark")
        );
    }
}

#[actix_web::test]
async fn every_response_carries_strict_security_headers() {
    let site = spawn_site().await;
    let res = browser().get(site.url("/")).send().await.expect("response");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers().contains_key("referrer-policy"));
    assert!(res.headers().contains_key("x-request-id"));
    // Plain-http local runs must not send HSTS.
    assert!(!res.headers().contains_key("strict-transport-security"));
}

#[actix_web::test]
async fn an_unknown_path_gets_a_styled_404_from_the_service_that_owns_it() {
    let site = spawn_site().await;
    let client = browser();
    for (path, css_prefix) in [
        ("/no-such-page", "/assets/"),
        ("/account/no-such-page", "/account/assets/"),
    ] {
        let res = client.get(site.url(path)).send().await.expect("response");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            res.headers()[CONTENT_TYPE]
                .to_str()
                .expect("ascii")
                .starts_with("text/html")
        );
        let html = res.text().await.expect("body");
        assert!(html.contains("We could not find that page"), "{path}");
        assert!(html.contains("class=\"next-step\""));
        assert!(stylesheet_href(&html).starts_with(css_prefix), "{path}");
    }
    let res = client
        .get(site.url("/assets/app.0000000000000000.css"))
        .send()
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_post_without_a_valid_csrf_token_gets_a_styled_403() {
    let site = spawn_site().await;
    let client = browser();
    for body in ["", "csrf_token=", "csrf_token=forged-token-value"] {
        let res = client
            .post(site.url("/account/logout"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("response");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "body {body:?}");
        let html = res.text().await.expect("body");
        assert!(html.contains("This form has expired"), "{html}");
    }
}

#[actix_web::test]
async fn an_oversized_body_gets_413() {
    let site = spawn_site().await;
    let big = format!("csrf_token=x&pad={}", "a".repeat(64 * 1024));
    let res = browser()
        .post(site.url("/account/logout"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("That was more data than we accept")
    );
}

#[actix_web::test]
async fn a_forged_truncated_or_garbage_session_cookie_makes_the_request_anonymous() {
    let site = spawn_site().await;
    // A real cookie to truncate and tamper with: the login page makes one for its form.
    let res = browser()
        .get(site.url("/account/login"))
        .send()
        .await
        .expect("response");
    // The test site runs on plain http, so the cookie has the plain name.
    let name = chassis::session::cookie_name(false);
    let real = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .expect("the login page sets the session cookie");
    let mut tampered = real.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let cookies = vec![
        format!("{name}=garbage"),
        format!("{name}="),
        format!("{name}=%00%ff%fe"),
        format!("{name}={}", "A".repeat(3000)),
        format!("{name}=eyJpZGVudGl0eSI6eyJ1c2VyX2lkIjoxfX0="),
        real[..real.len() / 2].to_owned(),
        String::from_utf8(tampered).expect("ascii"),
    ];
    let client = reqwest::Client::new();
    for cookie in cookies {
        for path in ["/", "/account/login"] {
            let res = client
                .get(site.url(path))
                .header(COOKIE, &cookie)
                .send()
                .await
                .expect("response");
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{path} with cookie {cookie:.40}"
            );
            let html = res.text().await.expect("body");
            assert!(
                html.contains(">Log in<"),
                "{path} is not anonymous with cookie {cookie:.40}"
            );
        }
    }
}

#[actix_web::test]
async fn health_and_readiness_answer_under_each_prefix() {
    let site = spawn_site().await;
    let client = browser();
    for path in ["/healthz", "/readyz", "/account/healthz", "/account/readyz"] {
        let res = client.get(site.url(path)).send().await.expect("response");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
}

#[test]
fn the_routing_table_is_printed_for_nginx_and_infra() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_site"))
        .arg("routes")
        .output()
        .expect("site runs");
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json, chassis::routing::to_json());
}

#[test]
fn site_help_prints_usage_and_exits_zero_while_a_wrong_argument_exits_two() {
    for flag in ["--help", "-h"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_site"))
            .arg(flag)
            .output()
            .expect("site runs");
        assert!(out.status.success(), "{flag}");
        let usage = String::from_utf8_lossy(&out.stdout);
        assert!(usage.starts_with("Usage: site"), "{usage}");
        assert!(
            usage.contains("routes") && usage.contains("Ctrl-C"),
            "{usage}"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_site"))
        .arg("--frobnicate")
        .output()
        .expect("site runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: site"));
}

#[actix_web::test]
async fn the_gallery_shows_every_sample_on_one_page_and_each_on_its_own() {
    let site = spawn_site().await;
    let client = browser();
    let res = client
        .get(site.url("/_gallery"))
        .send()
        .await
        .expect("gallery");
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    let html = res.text().await.expect("body");
    let samples = site::gallery::all_samples();
    for sample in &samples {
        assert!(
            html.contains(&format!("src=\"/_gallery/{}\"", sample.id)),
            "{} is not framed",
            sample.id
        );
        let res = client
            .get(site.url(&format!("/_gallery/{}", sample.id)))
            .send()
            .await
            .expect("sample");
        assert_eq!(res.status(), StatusCode::OK, "{}", sample.id);
    }
    let res = client
        .get(site.url("/_gallery/no-such-sample"))
        .send()
        .await
        .expect("missing");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_database_that_cannot_be_reached_is_named_by_its_own_variable() {
    let login_db = chassis::testing::TestDatabase::new("site_named_login");
    let key = chassis::config::SessionKey::generate().to_base64();
    // Nothing listens on port 1 of the loopback: the connection is refused at once.
    let env = [
        ("BIND", "127.0.0.1:0"),
        ("SESSION_KEY", key.as_str()),
        ("LOGIN_DATABASE_URL", login_db.raw_url()),
        (
            "PRODUCT_DATABASE_URL",
            "postgres://nobody:secret@127.0.0.1:1/product?connect_timeout=2",
        ),
        ("MARKET_SOURCE", "demo"),
    ];
    let defaults = chassis::config::LocalDefaults {
        bind: Some("127.0.0.1:0".into()),
        session_key: None,
        cookie_secure: false,
        log_format: chassis::config::LogFormat::Text,
        shutdown_drain_secs: 0,
        metrics_off: true,
        in_process_sessions: true,
    };
    let config = site::SiteConfig::from_env(&env, &defaults).expect("valid config");
    let err = match site::build(&config).await {
        Ok(_) => panic!("the site started without its product database"),
        Err(err) => err.to_string(),
    };
    assert!(err.starts_with("PRODUCT_DATABASE_URL: "), "{err}");
    assert!(!err.contains("secret"), "the password leaked: {err}");
}
