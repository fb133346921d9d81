//! `POST /account/register`: creates the account and signs the new user in. Registrations
//! and "already taken" answers are limited per address, reserved once the form is valid and
//! before the name is looked up; a password is hashed only for an account that will be stored.

use super::super::safe_next;
use super::get::{RegisterErrors, RegisterPage, render_register};
use crate::copy::Text;
use crate::domain::{Email, PasswordProblem, Username};
use crate::outcome::LoginOutcome;
use crate::state::LoginState;
use crate::throttle::{self, Bucket, Reservation};
use crate::users::{self, Created, Taken};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::flash::set_flash;
use chassis::identity::{Identity, sign_in};
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

    // The form first: each field, and the password's rules. The strength estimate runs on
    // the hashing threads, never on a worker that serves pages.
    let mut errors = RegisterErrors::default();
    let username = Username::parse(&raw_username)
        .map_err(|e| errors.username = Some(Text::from(e).text()))
        .ok();
    let email = Email::parse(&raw_email)
        .map_err(|e| errors.email = Some(Text::from(e).text()))
        .ok();
    let related = vec![raw_username.trim().to_owned(), raw_email.trim().to_owned()];
    let password = match state
        .hasher
        .check_new_password(password, password_confirm, related)
        .await?
    {
        Ok(p) => Some(p),
        Err(PasswordProblem::Mismatch) => {
            errors.password_confirm = Some(Text::PasswordMismatch.text());
            None
        }
        Err(problem) => {
            errors.password = Some(Text::from(problem).text());
            None
        }
    };
    if let (Some(p), Some(check)) = (&password, &state.breached)
        && check.is_breached(p.expose()).await
    {
        errors.password = Some(Text::PasswordBreached.text());
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

    // A well-formed registration counts against its address before anything answers whether
    // a name is taken or costs a hash: that answer is what an enumerating client is after.
    if let Some(bucket) = chassis::client_ip::client_ip(&req).map(Bucket::Signup) {
        let (limit, now) = (state.throttle.limit(&bucket), state.now());
        if let Reservation::Refused { retry_after_secs } = state
            .pool
            .run(move |conn| throttle::reserve(conn, &bucket, limit, now))
            .await?
        {
            LoginOutcome::RegistrationThrottled.record();
            log::info!(target: "login", outcome = LoginOutcome::RegistrationThrottled.as_str(); "registration refused while throttled");
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
    }

    let taken_errors = |taken: Vec<Taken>| {
        let mut errors = RegisterErrors::default();
        for t in taken {
            match t {
                Taken::Username => errors.username = Some(Text::UsernameTaken.text()),
                Taken::Email => errors.email = Some(Text::EmailTaken.text()),
            }
        }
        errors
    };
    // The name must be free before a hash is made for it (the reservation stays: it counted).
    let keys = (username.key(), email.key());
    let taken = state
        .pool
        .run(move |conn| users::taken(conn, &keys.0, &keys.1))
        .await?;
    if !taken.is_empty() {
        return render_register(
            &page,
            form_again(taken_errors(taken)),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }

    let hash = state.hasher.hash(password.expose().to_owned()).await?;
    let (u, e) = (username.clone(), email.clone());
    let created = state
        .pool
        .run(move |conn| users::create(conn, &u, &e, &hash))
        .await?;
    let user = match created {
        Created::User(user) => user,
        // Lost a race with a concurrent registration of the same name or email.
        Created::Taken(taken) => {
            return render_register(
                &page,
                form_again(taken_errors(taken)),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };

    let identity = Identity {
        user_id: user.id,
        display_name: user.username.clone(),
        login_at: shared_ui::format::now_unix(),
    };
    sign_in(page.session(), &identity).map_err(|e| AppError::internal("storing the session", e))?;
    set_flash(
        page.session(),
        FlashKind::Success,
        Text::Registered {
            username: user.username.clone(),
        }
        .text(),
    );
    LoginOutcome::Registered.record();
    log::info!(target: "login", outcome = LoginOutcome::Registered.as_str(), user_id = user.id; "account created");
    Ok(see_other(&next))
}
