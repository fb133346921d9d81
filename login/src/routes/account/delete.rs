//! `POST /account/delete`: deletes the account after the password and a typed confirmation.

use super::get::{AccountForms, DeleteErrors, render_account, signed_in_user};
use super::reauth::confirm_password;
use crate::copy::Copy;
use crate::state::LoginState;
use crate::users;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
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
            Copy::ConfirmUsername {
                username: user.username.clone(),
            }
            .text(),
        );
    }
    if current_password.is_empty() {
        errors.password = Some(Copy::CurrentPasswordMissing.text());
    } else if !confirm_password(&req, &state, &user, current_password).await? {
        errors.password = Some(Copy::CurrentPasswordWrong.text());
    }
    if errors.confirm.is_some() || errors.password.is_some() {
        let forms = AccountForms {
            delete: errors,
            confirm_value: confirm_username.trim().to_owned(),
            ..AccountForms::default()
        };
        return render_account(&page, user, forms, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let id = user.id;
    state.pool.run(move |conn| users::delete(conn, id)).await?;
    sign_out(
        page.session(),
        Some((FlashKind::Info, Copy::AccountDeleted.text().as_str())),
    );
    chassis::metrics::record_login_outcome("deleted");
    log::info!(target: "login", outcome = "deleted", user_id = id; "account deleted");
    Ok(see_other("/"))
}
