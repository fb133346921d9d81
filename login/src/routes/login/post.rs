//! `POST /account/login`: checks the password, throttled per login text (or per known
//! device) and per address, and answers an unknown user exactly like a wrong password.

use super::super::safe_next;
use super::get::render_login;
use crate::copy::Text;
use crate::device::DeviceToken;
use crate::domain::lookup_key;
use crate::outcome::LoginOutcome;
use crate::password_hashing::Verification;
use crate::state::LoginState;
use crate::throttle::{self, Attempt, Bucket, Reservation};
use crate::users;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::flash::set_flash;
use chassis::identity::{Identity, sign_in};
use chassis::page::{PageBuilder, see_other};
use serde::Deserialize;
use shared_ui::FlashKind;

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn log_in(
    req: HttpRequest,
    page: PageBuilder,
    state: web::Data<LoginState>,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        login,
        password,
        next,
    } = form.0;
    let next = safe_next(Some(&next));
    let login_key = lookup_key(&login);
    if login_key.is_empty() || password.is_empty() {
        return render_login(
            &page,
            login,
            next,
            Some(Text::MissingCredentials.text()),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }

    let ip = chassis::client_ip::client_ip(&req);
    let now = state.now();
    let key = login_key.clone();
    let user = state
        .pool
        .run(move |conn| users::find_by_login(conn, &key))
        .await?;
    // A browser that logged in to this very account before is throttled on its own; every
    // other attempt counts against the login text as typed, known or not.
    let device = state
        .devices
        .read(&req, now)
        .filter(|token| user.as_ref().is_some_and(|u| u.id == token.user_id));
    let subject = device
        .as_ref()
        .map_or_else(|| Bucket::account(&login_key), DeviceToken::bucket);
    let attempt = Attempt::new(subject, ip);

    // Count the attempt first, and only then pay for argon2: a burst sent at once cannot get
    // more verifications than the limit allows.
    let policy = state.throttle;
    let reserving = attempt.clone();
    if let Reservation::Refused { retry_after_secs } = state
        .pool
        .run(move |conn| reserving.reserve(conn, &policy, now))
        .await?
    {
        LoginOutcome::Throttled.record();
        log::info!(target: "login", outcome = LoginOutcome::Throttled.as_str(); "login refused while throttled");
        return Err(AppError::TooManyRequests { retry_after_secs });
    }

    let verification = state
        .hasher
        .verify(
            password.clone(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
    let (user, needs_rehash) = match (verification, user) {
        (Verification::Match { needs_rehash }, Some(user)) => (user, needs_rehash),
        _ => {
            // The reservation stays: it was this failure's count.
            LoginOutcome::Failure.record();
            log::info!(target: "login", outcome = LoginOutcome::Failure.as_str(); "login failed");
            return render_login(
                &page,
                login,
                next,
                Some(Text::WrongCredentials.text()),
                StatusCode::UNAUTHORIZED,
            );
        }
    };

    let user_id = user.id;
    // Now and then, also drop the rows of buckets long over (typos, one-off addresses).
    let tidy = rand::random_ratio(1, 100).then_some(now);
    let grace = i64::try_from(policy.window.max(policy.lockout).as_secs())
        .unwrap_or(i64::MAX / 4)
        .saturating_mul(2)
        .max(3 * 3600);
    state
        .pool
        .run(move |conn| {
            attempt.succeeded(conn)?;
            if let Some(now) = tidy {
                throttle::forget_stale(conn, now, grace)?;
            }
            Ok(())
        })
        .await?;
    if needs_rehash {
        // Parameters were raised since this hash was made: upgrade it now that we have the password.
        let fresh = state.hasher.hash(password).await?;
        if let Err(err) = state
            .pool
            .run(move |conn| users::set_password_hash(conn, user_id, &fresh))
            .await
        {
            log::warn!("could not upgrade a password hash: {err}");
        }
    }

    let identity = Identity {
        user_id,
        display_name: user.username.clone(),
        login_at: shared_ui::format::now_unix(),
    };
    sign_in(page.session(), &identity).map_err(|e| AppError::internal("storing the session", e))?;
    set_flash(
        page.session(),
        FlashKind::Success,
        Text::WelcomeBack {
            username: user.username.clone(),
        }
        .text(),
    );
    LoginOutcome::Success.record();
    log::info!(target: "login", outcome = LoginOutcome::Success.as_str(), user_id = user_id; "login succeeded");
    // This browser keeps (or now gets) its device token for the account, renewed for 30 days.
    let token = match device {
        Some(known) => DeviceToken {
            issued_at: now,
            ..known
        },
        None => DeviceToken::issue(user_id, now),
    };
    let mut response = see_other(&next);
    response
        .add_cookie(&state.devices.cookie(&token))
        .map_err(|e| AppError::internal("setting the device cookie", e))?;
    Ok(response)
}
