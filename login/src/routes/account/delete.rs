//! `POST /account/delete`: deletes the account after the password and a typed confirmation.

use super::get::{AccountForms, DeleteErrors, render_account, signed_in_user};
use super::reauth::confirm_password;
use crate::copy::Text;
use crate::state::LoginState;
use crate::users;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::events::AccountEvent;
use chassis::identity::sign_out;
use chassis::page::{PageBuilder, see_other};
use serde::Deserialize;
use shared_ui::FlashKind;

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    confirm_username: String,
}

pub async fn delete_account(
    req: HttpRequest,
    page: PageBuilder,
    state: web::Data<LoginState>,
    form: CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let (_, user) = match signed_in_user(&page, &state).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let DeleteForm {
        current_password,
        confirm_username,
    } = form.0;
    let mut errors = DeleteErrors::default();
    if !confirm_username.trim().eq_ignore_ascii_case(&user.username) {
        errors.confirm = Some(
            Text::ConfirmUsername {
                username: user.username.clone(),
            }
            .text(),
        );
    }
    if current_password.is_empty() {
        errors.password = Some(Text::CurrentPasswordMissing.text());
    } else if !confirm_password(&req, &state, &user, current_password).await? {
        errors.password = Some(Text::CurrentPasswordWrong.text());
    }
    if errors.confirm.is_some() || errors.password.is_some() {
        let forms = AccountForms {
            delete: errors,
            confirm_value: confirm_username.trim().to_owned(),
            ..AccountForms::default()
        };
        return render_account(&page, &state, user, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let id = user.id;
    state.pool.run(move |conn| users::delete(conn, id)).await?;
    let user_id = chassis::ids::UserId(id);
    // The account is gone: its sessions end everywhere, and product is told to drop what it
    // keeps for it (the event waits in the stream if product is down).
    if let Err(err) = state.sessions.end_all(user_id, None).await {
        log::error!(user_id = id; "could not end the sessions of a deleted account: {err}");
    }
    if let Err(err) = publish_with_retries(&state, AccountEvent::Deleted(user_id)).await {
        log::error!(user_id = id; "account deleted, but the event for other services was not published: {err}");
    }
    sign_out(
        page.session(),
        Some((FlashKind::Info, Text::AccountDeleted.text().as_str())),
    );
    chassis::metrics::record_login_outcome("deleted");
    log::info!(target: "login", outcome = "deleted", user_id = id; "account deleted");
    Ok(see_other("/"))
}

/// The store answered the CSRF check moments ago; a blip now should not lose the event.
async fn publish_with_retries(
    state: &LoginState,
    event: AccountEvent,
) -> Result<(), chassis::session::StoreError> {
    let mut attempt = 0;
    loop {
        match state.sessions.publish(event).await {
            Ok(()) => return Ok(()),
            Err(err) if attempt >= 4 => return Err(err),
            Err(_) => {
                attempt += 1;
                actix_web::rt::time::sleep(std::time::Duration::from_millis(300 * attempt)).await;
            }
        }
    }
}
