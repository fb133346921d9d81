//! `POST /account/register`: creates the account and signs the new user in.

use super::super::safe_next;
use super::get::{RegisterErrors, RegisterPage, render_register};
use crate::copy::Copy;
use crate::domain::{Email, NewPassword, PasswordProblem, Username};
use crate::state::LoginState;
use crate::throttle::{self, Buckets};
use crate::users::{self, Created, Taken};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::identity::{Identity, set_flash, sign_in};
use chassis::page::{PageBuilder, see_other};
use serde::Deserialize;
use shared_ui::{FlashKind, PageContext};

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    next: String,
}

pub async fn register(
    req: HttpRequest,
    page: PageBuilder,
    state: web::Data<LoginState>,
    form: CsrfForm<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let RegisterForm {
        username: raw_username,
        email: raw_email,
        password,
        password_confirm,
        next,
    } = form.0;
    let next = safe_next(Some(&next));

    // Registration reveals whether an email is in use; count that against the address so it
    // cannot be used to test many emails quickly.
    let address = Buckets::address(chassis::client_ip::client_ip(&req));
    let check = address.clone();
    if let Some(wait) = state
        .pool
        .run(move |conn| throttle::blocked_for(conn, &check))
        .await?
    {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }

    let mut errors = RegisterErrors::default();
    let username = Username::parse(&raw_username)
        .map_err(|e| errors.username = Some(Copy::from(e).text()))
        .ok();
    let email = Email::parse(&raw_email)
        .map_err(|e| errors.email = Some(Copy::from(e).text()))
        .ok();
    let related = [raw_username.trim(), raw_email.trim()];
    let password = match NewPassword::parse(&password, &password_confirm, &related) {
        Ok(p) => Some(p),
        Err(PasswordProblem::Mismatch) => {
            errors.password_confirm = Some(Copy::PasswordMismatch.text());
            None
        }
        Err(problem) => {
            errors.password = Some(Copy::from(problem).text());
            None
        }
    };
    if let (Some(p), Some(check)) = (&password, &state.breached)
        && check.is_breached(p.expose()).await
    {
        errors.password = Some(Copy::PasswordBreached.text());
    }

    let form_again = |errors: RegisterErrors| RegisterPage {
        ctx: PageContext::default(),
        username: raw_username.trim().to_owned(),
        email: raw_email.trim().to_owned(),
        next: next.clone(),
        errors,
    };
    let (Some(username), Some(email), Some(password), false) =
        (username, email, password, errors.any())
    else {
        return render_register(&page, form_again(errors), StatusCode::UNPROCESSABLE_ENTITY);
    };

    let hash = state.hasher.hash(password.expose().to_owned()).await?;
    let (u, e) = (username.clone(), email.clone());
    let created = state
        .pool
        .run(move |conn| users::create(conn, &u, &e, &hash))
        .await?;
    let user = match created {
        Created::User(user) => user,
        Created::Taken(taken) => {
            let mut errors = RegisterErrors::default();
            for t in taken {
                match t {
                    Taken::Username => errors.username = Some(Copy::UsernameTaken.text()),
                    Taken::Email => errors.email = Some(Copy::EmailTaken.text()),
                }
            }
            if errors.email.is_some() {
                let policy = state.throttle;
                state
                    .pool
                    .run(move |conn| throttle::record_failure(conn, &address, &policy))
                    .await?;
            }
            return render_register(&page, form_again(errors), StatusCode::UNPROCESSABLE_ENTITY);
        }
    };

    let identity = Identity {
        user_id: user.id,
        display_name: user.username.clone(),
        login_at: shared_ui::format::now_unix(),
    };
    sign_in(page.session(), &identity).map_err(|e| AppError::Internal(format!("session: {e}")))?;
    set_flash(
        page.session(),
        FlashKind::Success,
        Copy::Registered {
            username: user.username.clone(),
        }
        .text(),
    );
    chassis::metrics::record_login_outcome("registered");
    log::info!(target: "login", outcome = "registered", user_id = user.id; "account created");
    Ok(see_other(&next))
}
