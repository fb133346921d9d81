//! One identity across services: a session minted by login's code is honoured by product,
//! which reads it locally from the shared cookie.

mod support;

use chassis::testing::{browser, csrf_token};
use reqwest::StatusCode;
use support::spawn_site;

#[actix_web::test]
async fn a_user_who_registers_sees_their_name_on_product_pages_until_they_log_out() {
    let site = spawn_site().await;
    let client = browser();
    let html = client
        .get(site.url("/account/register"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let password = "correct horse battery staple";
    let res = client
        .post(site.url("/account/register"))
        .form(&[
            ("csrf_token", csrf_token(&html).as_str()),
            ("username", "across"),
            ("email", "across@example.com"),
            ("password", password),
            ("password_confirm", password),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let home = client
        .get(site.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(
        home.contains("Account of </span>across"),
        "product does not see the login"
    );
    assert!(home.contains("Log out"));

    let token = csrf_token(&home);
    let res = client
        .post(site.url("/account/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = client
        .get(site.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(
        !home.contains("Account of"),
        "still signed in on product after logout"
    );
    assert!(home.contains(">Log in<"));
}
