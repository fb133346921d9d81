//! `POST /account/login`: checks the password, throttled per account and per address, and
//! answers an unknown user exactly like a wrong password.

use super::super::safe_next;
use super::get::render_login;
use crate::copy::Copy;
use crate::domain::lookup_key;
use crate::password_hashing::Verification;
use crate::state::LoginState;
use crate::throttle::{self, Buckets};
use crate::users;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::identity::{Identity, set_flash, sign_in};
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
            Some(Copy::MissingCredentials.text()),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }

    let ip = chassis::client_ip::client_ip(&req);
    let key = login_key.clone();
    let user = state
        .pool
        .run(move |conn| users::find_by_login(conn, &key))
        .await?;
    let buckets = Buckets::new(user.as_ref().map(|u| u.id), &login_key, ip);
    let check = buckets.clone();
    if let Some(wait) = state
        .pool
        .run(move |conn| throttle::blocked_for(conn, &check))
        .await?
    {
        chassis::metrics::record_login_outcome("throttled");
        log::info!(target: "login", outcome = "throttled"; "login refused while throttled");
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
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
            let policy = state.throttle;
            state
                .pool
                .run(move |conn| throttle::record_failure(conn, &buckets, &policy))
                .await?;
            chassis::metrics::record_login_outcome("failure");
            log::info!(target: "login", outcome = "failure"; "login failed");
            return render_login(
                &page,
                login,
                next,
                Some(Copy::WrongCredentials.text()),
                StatusCode::UNAUTHORIZED,
            );
        }
    };

    let user_id = user.id;
    state
        .pool
        .run(move |conn| throttle::reset_account(conn, &buckets))
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
    sign_in(page.session(), &identity).map_err(|e| AppError::Internal(format!("session: {e}")))?;
    set_flash(
        page.session(),
        FlashKind::Success,
        Copy::WelcomeBack {
            username: user.username.clone(),
        }
        .text(),
    );
    chassis::metrics::record_login_outcome("success");
    log::info!(target: "login", outcome = "success", user_id = user_id; "login succeeded");
    Ok(see_other(&next))
}
