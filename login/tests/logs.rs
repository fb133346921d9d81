//! What reaches the logs: never a password, a password hash, a session cookie or its content.
//! In its own test binary because it installs the process-wide logger.

mod support;

use chassis::testing::{browser, capture_logs, captured_logs};
use reqwest::StatusCode;
use support::*;

#[actix_web::test]
async fn no_password_hash_or_cookie_reaches_the_logs() {
    capture_logs();
    let app = spawn().await;
    let secret = "very secret horse battery 1";
    let client = browser();
    assert_eq!(
        register(&app, &client, "logged", "logged@example.com", secret)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let other = browser();
    // Wrong passwords, and a password typed into the username field by mistake.
    let _ = log_in(&app, &other, "logged", "wrong secret 12345").await;
    let _ = log_in(&app, &other, secret, secret).await;
    assert_eq!(
        log_in(&app, &other, "logged", secret).await.status(),
        StatusCode::SEE_OTHER
    );
    let cookie = client
        .get(app.url("/account"))
        .send()
        .await
        .expect("page")
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect::<Vec<_>>();

    let pool = app.service.pool().clone();
    let hash = pool
        .run(|conn| login::users::find_by_login(conn, "logged"))
        .await
        .expect("query")
        .expect("user")
        .password_hash;

    // The test's own HTTP client logs cookies it receives at debug level; that is the
    // browser's side, not the service's.
    let client_side = ["cookie_store", "reqwest", "hyper"];
    let lines: Vec<String> = captured_logs()
        .into_iter()
        .filter(|l| {
            !client_side
                .iter()
                .any(|c| l.split(' ').nth(1).is_some_and(|t| t.starts_with(c)))
        })
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("access")),
        "the capture saw no access lines"
    );
    assert!(
        lines.iter().any(|l| l.contains("outcome=success")),
        "no login outcome was logged"
    );
    for line in &lines {
        assert!(!line.contains(secret), "password in log: {line}");
        assert!(!line.contains("wrong secret"), "password in log: {line}");
        assert!(!line.contains(&hash[30..]), "hash in log: {line}");
        assert!(!line.contains("coinwatch="), "cookie in log: {line}");
        for c in &cookie {
            let value = c.split(';').next().unwrap_or_default();
            assert!(
                value.len() < 12 || !line.contains(value),
                "cookie in log: {line}"
            );
        }
    }
}
