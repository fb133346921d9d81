//! `POST /account/password`: changes the password after checking the current one, ends every
//! other session of the account on every service, and renews this one.

use super::get::{AccountForms, PasswordErrors, render_account, signed_in_user};
use super::reauth::confirm_password;
use crate::copy::Text;
use crate::domain::PasswordProblem;
use crate::state::LoginState;
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
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub async fn change_password(
    req: HttpRequest,
    page: PageBuilder,
    state: web::Data<LoginState>,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let (identity, user) = match signed_in_user(&page, &state).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let PasswordForm {
        current_password,
        new_password,
        new_password_confirm,
    } = form.0;
    let mut errors = PasswordErrors::default();
    let related = vec![user.username.clone(), user.email.clone()];
    let new = match state
        .hasher
        .check_new_password(new_password, new_password_confirm, related)
        .await?
    {
        Ok(p) => Some(p),
        Err(PasswordProblem::Mismatch) => {
            errors.confirm = Some(Text::PasswordMismatch.text());
            None
        }
        Err(problem) => {
            errors.new = Some(Text::from(problem).text());
            None
        }
    };
    if current_password.is_empty() {
        errors.current = Some(Text::CurrentPasswordMissing.text());
    } else if !confirm_password(&req, &state, &user, current_password).await? {
        errors.current = Some(Text::CurrentPasswordWrong.text());
    }
    if let (Some(p), Some(check), None) = (&new, &state.breached, &errors.current)
        && check.is_breached(p.expose()).await
    {
        errors.new = Some(Text::PasswordBreached.text());
    }
    let (Some(new), None, None, None) = (new, &errors.current, &errors.new, &errors.confirm) else {
        let forms = AccountForms {
            password: errors,
            ..AccountForms::default()
        };
        return render_account(&page, &state, user, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    };

    let hash = state.hasher.hash(new.expose().to_owned()).await?;
    let id = user.id;
    state
        .pool
        .run(move |conn| users::set_password_hash(conn, id, &hash))
        .await?;
    // Whoever knew the old password may hold a session: end them all, this one included, and
    // start a new one here, so anything that captured this cookie is worthless too.
    state
        .sessions
        .end_all(chassis::ids::UserId(id), None)
        .await?;
    let renewed = Identity {
        login_at: shared_ui::format::now_unix(),
        ..identity
    };
    sign_in(page.session(), &renewed).map_err(|e| AppError::internal("storing the session", e))?;
    set_flash(
        page.session(),
        FlashKind::Success,
        Text::PasswordChanged.text(),
    );
    chassis::metrics::record_login_outcome("password_changed");
    log::info!(target: "login", outcome = "password_changed", user_id = id; "password changed");
    Ok(see_other("/account"))
}
