//! Accounts from a visitor's point of view: registering, logging in and out, and managing
//! the account, with every validation message.

mod support;

use chassis::testing::browser;
use reqwest::StatusCode;
use support::*;

#[actix_web::test]
async fn a_visitor_registers_logs_out_logs_back_in_and_manages_the_account() {
    let app = spawn().await;
    let client = browser();

    let res = register(&app, &client, "Satoshi_N", "satoshi@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");

    let (status, html) = account_html(&app, &client).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Welcome, Satoshi_N! Your account is ready."));
    assert!(html.contains("<dd>Satoshi_N</dd>"));
    assert!(html.contains("<dd>satoshi@example.com</dd>"));
    assert!(html.contains(&shared_ui::format::utc_date(shared_ui::format::now_unix())));

    let csrf = token(&client, &app.url("/account/logout")).await;
    let res = post_form(
        &client,
        &app.url("/account/logout"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, _) = account_html(&app, &client).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the account page needs a login after logout"
    );

    // Either the username (in any case) or the email logs in.
    let res = log_in(&app, &browser(), "SATOSHI@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = log_in(&app, &client, "satoshi_n", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Change the password: the old one stops working, the new one works.
    let new_password = "a different horse battery 99";
    let csrf = token(&client, &app.url("/account")).await;
    let res = post_form(
        &client,
        &app.url("/account/password"),
        &[
            ("csrf_token", &csrf),
            ("current_password", PASSWORD),
            ("new_password", new_password),
            ("new_password_confirm", new_password),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = account_html(&app, &client).await;
    assert!(html.contains("Your password was changed, and every other session"));
    assert_eq!(
        log_in(&app, &browser(), "Satoshi_N", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        log_in(&app, &browser(), "Satoshi_N", new_password)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // Change the email.
    let csrf = token(&client, &app.url("/account")).await;
    let res = post_form(
        &client,
        &app.url("/account/email"),
        &[
            ("csrf_token", &csrf),
            ("email", "nakamoto@example.org"),
            ("current_password", new_password),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = account_html(&app, &client).await;
    assert!(html.contains("<dd>nakamoto@example.org</dd>"));

    // Delete the account: it can no longer log in and the name is free again.
    let csrf = token(&client, &app.url("/account")).await;
    let res = post_form(
        &client,
        &app.url("/account/delete"),
        &[
            ("csrf_token", &csrf),
            ("confirm_username", "satoshi_n"),
            ("current_password", new_password),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let html = client
        .get(app.url("/account/login"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains("Your account was deleted."));
    assert_eq!(
        log_in(&app, &browser(), "Satoshi_N", new_password)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        register(&app, &browser(), "satoshi_n", "s2@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn every_registration_mistake_is_explained_next_to_its_field_and_keeps_what_was_typed() {
    let app = spawn().await;
    let _taken = signed_up(&app, "taken_name").await;
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "",
            "a@example.com",
            PASSWORD,
            PASSWORD,
            "Choose a username.",
        ),
        (
            "ab",
            "a@example.com",
            PASSWORD,
            PASSWORD,
            "Your username must be at least 3 characters long.",
        ),
        (
            "a_very_long_username_over_32_chars",
            "a@example.com",
            PASSWORD,
            PASSWORD,
            "Your username can be at most 32 characters long.",
        ),
        (
            "bad name",
            "a@example.com",
            PASSWORD,
            PASSWORD,
            "Use only letters, digits, dots, dashes and underscores in your username.",
        ),
        (
            "good_name",
            "",
            PASSWORD,
            PASSWORD,
            "Enter your email address.",
        ),
        (
            "good_name",
            "not-an-email",
            PASSWORD,
            PASSWORD,
            "Enter an email address like name@example.com.",
        ),
        ("good_name", "a@example.com", "", "", "Choose a password."),
        (
            "good_name",
            "a@example.com",
            "short",
            "short",
            "Your password must be at least 8 characters long.",
        ),
        (
            "good_name",
            "a@example.com",
            PASSWORD,
            "something else",
            "The two passwords do not match.",
        ),
        (
            "good_name",
            "a@example.com",
            "password123",
            "password123",
            "This password is too easy to guess.",
        ),
        (
            "TAKEN_NAME",
            "new@example.com",
            PASSWORD,
            PASSWORD,
            "That username is taken. Choose another one.",
        ),
        (
            "fresh_name",
            "Taken_Name@Example.com",
            PASSWORD,
            PASSWORD,
            "An account already uses this email.",
        ),
    ];
    for (username, email, password, confirm, message) in cases {
        let client = browser();
        let csrf = token(&client, &app.url("/account/register")).await;
        let res = post_form(
            &client,
            &app.url("/account/register"),
            &[
                ("csrf_token", &csrf),
                ("username", username),
                ("email", email),
                ("password", password),
                ("password_confirm", confirm),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let html = res.text().await.expect("body");
        assert!(html.contains(message), "expected {message:?}");
        assert!(
            html.contains("aria-invalid=\"true\""),
            "{message}: no field marked invalid"
        );
        assert!(
            html.contains("class=\"field-error\""),
            "{message}: no field-level error"
        );
        if !email.is_empty() {
            assert!(
                html.contains(&format!("value=\"{email}\"")),
                "{message}: email not kept"
            );
        }
        if !password.is_empty() {
            assert!(
                !html.contains(&format!("value=\"{password}\"")),
                "{message}: password echoed"
            );
        }
    }
}

#[actix_web::test]
async fn every_account_form_mistake_is_explained() {
    let app = spawn().await;
    let client = signed_up(&app, "careful").await;
    // (form path, fields, the message that must appear)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            "/account/password",
            &[
                ("current_password", ""),
                ("new_password", "another horse battery 7"),
                ("new_password_confirm", "another horse battery 7"),
            ],
            "Enter your current password.",
        ),
        (
            "/account/password",
            &[
                ("current_password", "wrong password here"),
                ("new_password", "another horse battery 7"),
                ("new_password_confirm", "another horse battery 7"),
            ],
            "Your current password is not right.",
        ),
        (
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("new_password_confirm", "short"),
            ],
            "Your password must be at least 8 characters long.",
        ),
        (
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another horse battery 7"),
                ("new_password_confirm", "nope"),
            ],
            "The two passwords do not match.",
        ),
        (
            "/account/email",
            &[("email", "nope"), ("current_password", PASSWORD)],
            "Enter an email address like name@example.com.",
        ),
        (
            "/account/email",
            &[("email", "new@example.com"), ("current_password", "")],
            "Enter your current password.",
        ),
        (
            "/account/delete",
            &[
                ("confirm_username", "someone"),
                ("current_password", PASSWORD),
            ],
            "Type your username, careful, to confirm.",
        ),
        (
            "/account/delete",
            &[
                ("confirm_username", "careful"),
                ("current_password", "wrong password here"),
            ],
            "Your current password is not right.",
        ),
    ];
    for (path, fields, message) in cases {
        let csrf = token(&client, &app.url("/account")).await;
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        let res = post_form(&client, &app.url(path), &all).await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {message}"
        );
        let html = res.text().await.expect("body");
        assert!(html.contains(message), "{path}: expected {message:?}");
    }
    // Nothing was changed by any of them.
    assert_eq!(
        log_in(&app, &browser(), "careful", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn logging_in_with_empty_fields_says_what_is_missing() {
    let app = spawn().await;
    let res = log_in(&app, &browser(), "", "").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Enter your username or email and your password.")
    );
}

#[actix_web::test]
async fn a_get_to_logout_asks_for_confirmation_instead_of_logging_out() {
    let app = spawn().await;
    let client = signed_up(&app, "stays_in").await;
    let html = client
        .get(app.url("/account/logout"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains("Do you want to log out"));
    let (status, _) = account_html(&app, &client).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "still logged in after GET /account/logout"
    );
}

#[actix_web::test]
async fn two_concurrent_registrations_of_one_name_give_one_account_and_a_clear_message() {
    let app = spawn().await;
    let (a, b) = (browser(), browser());
    let (ta, tb) = (
        token(&a, &app.url("/account/register")).await,
        token(&b, &app.url("/account/register")).await,
    );
    let form = |csrf: &str, email: &str| {
        vec![
            ("csrf_token".to_owned(), csrf.to_owned()),
            ("username".to_owned(), "racer".to_owned()),
            ("email".to_owned(), email.to_owned()),
            ("password".to_owned(), PASSWORD.to_owned()),
            ("password_confirm".to_owned(), PASSWORD.to_owned()),
        ]
    };
    let (ra, rb) = tokio::join!(
        a.post(app.url("/account/register"))
            .form(&form(&ta, "one@example.com"))
            .send(),
        b.post(app.url("/account/register"))
            .form(&form(&tb, "two@example.com"))
            .send(),
    );
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    let mut statuses = [ra.status(), rb.status()];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY]
    );
    let loser = if ra.status() == StatusCode::SEE_OTHER {
        rb
    } else {
        ra
    };
    assert!(
        loser
            .text()
            .await
            .expect("body")
            .contains("That username is taken.")
    );
}

#[actix_web::test]
async fn a_password_hashed_with_older_parameters_is_upgraded_at_login() {
    use argon2::password_hash::PasswordHasher as _;
    let app = spawn().await;
    let _ = signed_up(&app, "old_timer").await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8192, 1, 1, None).expect("params"),
    )
    .hash_password(PASSWORD.as_bytes())
    .expect("hash")
    .to_string();
    let pool = app.service.pool().clone();
    let user = pool
        .run(|conn| login::users::find_by_login(conn, "old_timer"))
        .await
        .expect("query")
        .expect("user");
    let id = user.id;
    pool.run(move |conn| login::users::set_password_hash(conn, id, &weak))
        .await
        .expect("update");

    assert_eq!(
        log_in(&app, &browser(), "old_timer", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let upgraded = pool
        .run(move |conn| login::users::find(conn, id))
        .await
        .expect("query")
        .expect("user");
    assert!(
        upgraded
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        upgraded.password_hash
    );
}
