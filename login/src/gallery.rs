//! Every login page in each of its states, with sample data, for the site's `/_gallery` and
//! the snapshot tests. Not compiled into the `login` binary (the `gallery` feature).

use crate::copy::Text;
use crate::routes::account::get::{
    AccountForms, AccountPage, DeleteErrors, EmailErrors, PasswordErrors, SessionRow,
};
use crate::routes::login::get::LoginPage;
use crate::routes::logout::get::LogoutPage;
use crate::routes::register::get::{RegisterErrors, RegisterPage};
use shared_ui::gallery::{Sample, demo_banner, sample_context};
use shared_ui::{Flash, FlashKind, Nav};

const PREFIX: &str = "/account";
const LONG_NAME: &str = "a_very_long_username_32_chars_xx";

pub fn samples() -> Vec<Sample> {
    let anonymous = |title: &str| sample_context(title, PREFIX, Nav::Account, None);
    let signed_in =
        |title: &str, name: &str| sample_context(title, PREFIX, Nav::Account, Some(name));
    let member_since = 1_735_689_600; // 2025-01-01

    let mut with_flash = signed_in("Your account", "satoshi");
    with_flash.flash = Some(Flash {
        kind: FlashKind::Success,
        message: Text::PasswordChanged.text(),
    });
    let mut login_with_banner = anonymous("Log in");
    login_with_banner.banners = vec![demo_banner()];

    vec![
        Sample::new(
            "login-empty",
            "Log in: empty form",
            &LoginPage {
                ctx: anonymous("Log in"),
                login: String::new(),
                next: "/".into(),
                error: None,
            },
        ),
        Sample::new(
            "login-wrong-credentials",
            "Log in: wrong username or password, returning to a coin page",
            &LoginPage {
                ctx: login_with_banner,
                login: "satoshi@example.com".into(),
                next: "/coins/bitcoin".into(),
                error: Some(Text::WrongCredentials.text()),
            },
        ),
        Sample::new(
            "register-empty",
            "Register: empty form",
            &RegisterPage {
                ctx: anonymous("Create your account"),
                username: String::new(),
                email: String::new(),
                next: "/".into(),
                errors: RegisterErrors::default(),
            },
        ),
        Sample::new(
            "register-errors",
            "Register: every field wrong, long values kept",
            &RegisterPage {
                ctx: anonymous("Create your account"),
                username: "this name has spaces <and> symbols".into(),
                email: "not-an-email-address-but-a-rather-long-string-of-text".into(),
                next: "/watchlist".into(),
                errors: RegisterErrors {
                    username: Some(Text::UsernameCharacters.text()),
                    email: Some(Text::EmailInvalid.text()),
                    password: Some(
                        Text::PasswordWeak {
                            reason: Some("This is a top-100 common password.".into()),
                        }
                        .text(),
                    ),
                    password_confirm: Some(Text::PasswordMismatch.text()),
                },
            },
        ),
        Sample::new(
            "register-taken",
            "Register: username and email already in use",
            &RegisterPage {
                ctx: anonymous("Create your account"),
                username: "satoshi".into(),
                email: "satoshi@example.com".into(),
                next: "/".into(),
                errors: RegisterErrors {
                    username: Some(Text::UsernameTaken.text()),
                    email: Some(Text::EmailTaken.text()),
                    ..RegisterErrors::default()
                },
            },
        ),
        Sample::new(
            "account",
            "Account: signed in, after a password change",
            &AccountPage {
                ctx: with_flash,
                username: "satoshi".into(),
                email: "satoshi@example.com".into(),
                member_since,
                sessions: Some(sample_sessions()),
                forms: AccountForms::default(),
            },
        ),
        Sample::new(
            "account-long-values",
            "Account: the longest username and a long email",
            &AccountPage {
                ctx: signed_in("Your account", LONG_NAME),
                username: LONG_NAME.into(),
                email: "first.middle.last+crypto-newsletters@subdomain.example-company.co.uk"
                    .into(),
                member_since,
                sessions: Some(sample_sessions()[..1].to_vec()),
                forms: AccountForms::default(),
            },
        ),
        Sample::new(
            "account-sessions-unavailable",
            "Account: the session store failed while the page was made, so no session list",
            &AccountPage {
                ctx: signed_in("Your account", "satoshi"),
                username: "satoshi".into(),
                email: "satoshi@example.com".into(),
                member_since,
                sessions: None,
                forms: AccountForms::default(),
            },
        ),
        Sample::new(
            "account-errors",
            "Account: every form sent back with problems",
            &AccountPage {
                ctx: signed_in("Your account", "satoshi"),
                username: "satoshi".into(),
                email: "satoshi@example.com".into(),
                member_since,
                sessions: Some(sample_sessions()[..1].to_vec()),
                forms: AccountForms {
                    password: PasswordErrors {
                        current: Some(Text::CurrentPasswordWrong.text()),
                        new: Some(
                            Text::PasswordTooShort {
                                min: crate::domain::NewPassword::MIN,
                            }
                            .text(),
                        ),
                        confirm: Some(Text::PasswordMismatch.text()),
                    },
                    email: EmailErrors {
                        email: Some(Text::EmailInvalid.text()),
                        password: Some(Text::CurrentPasswordMissing.text()),
                    },
                    email_value: "satoshi@".into(),
                    delete: DeleteErrors {
                        password: Some(Text::CurrentPasswordWrong.text()),
                        confirm: Some(
                            Text::ConfirmUsername {
                                username: "satoshi".into(),
                            }
                            .text(),
                        ),
                    },
                    confirm_value: "satosh".into(),
                },
            },
        ),
        Sample::new(
            "logout-signed-in",
            "Log out: confirmation for a signed-in user",
            &LogoutPage {
                ctx: signed_in("Log out", "satoshi"),
            },
        ),
        Sample::new(
            "logout-anonymous",
            "Log out: visitor who is not signed in",
            &LogoutPage {
                ctx: anonymous("Log out"),
            },
        ),
    ]
    .into_iter()
    .map(|mut s| {
        s.id = format!("login-{}", s.id.trim_start_matches("login-"));
        s
    })
    .collect()
}

/// This browser and two others, as a user who signs in from a phone and a laptop sees them.
fn sample_sessions() -> Vec<SessionRow> {
    // Fixed times, so the snapshots do not change by the hour; "last active" is relative and
    // filtered out of snapshots anyway.
    let now = 1_764_633_600; // 2025-12-02 00:00 UTC
    vec![
        SessionRow {
            id: "current".into(),
            browser: "Firefox on Linux".into(),
            address: "203.0.113.x".into(),
            started_at: now - 3_600,
            last_seen_at: now,
            current: true,
        },
        SessionRow {
            id: "phone".into(),
            browser: "Safari on iOS".into(),
            address: "198.51.100.x".into(),
            started_at: now - 86_400,
            last_seen_at: now - 7_200,
            current: false,
        },
        SessionRow {
            id: "laptop".into(),
            browser: "Chrome on Windows".into(),
            address: "".into(),
            started_at: now - 3 * 86_400,
            last_seen_at: now - 2 * 86_400,
            current: false,
        },
    ]
}
