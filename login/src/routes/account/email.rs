//! `POST /account/email`: changes the email after checking the password.

use super::get::{AccountForms, EmailErrors, render_account, signed_in_user};
use super::reauth::confirm_password;
use crate::copy::Text;
use crate::domain::Email;
use crate::state::LoginState;
use crate::throttle::{self, Bucket, Reservation};
use crate::users;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::flash::set_flash;
use chassis::page::{PageBuilder, see_other};
use serde::Deserialize;
use shared_ui::FlashKind;

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

pub async fn change_email(
    req: HttpRequest,
    page: PageBuilder,
    state: web::Data<LoginState>,
    form: CsrfForm<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let (_, user) = match signed_in_user(&page, &state).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let EmailForm {
        email,
        current_password,
    } = form.0;
    let mut errors = EmailErrors::default();
    let parsed = Email::parse(&email)
        .map_err(|e| errors.email = Some(Text::from(e).text()))
        .ok();
    if current_password.is_empty() {
        errors.password = Some(Text::CurrentPasswordMissing.text());
    } else if !confirm_password(&req, &state, &user, current_password).await? {
        errors.password = Some(Text::CurrentPasswordWrong.text());
    }
    let fail = async |errors: EmailErrors, user| {
        let forms = AccountForms {
            email: errors,
            email_value: email.trim().to_owned(),
            ..AccountForms::default()
        };
        render_account(&page, &state, user, forms, StatusCode::UNPROCESSABLE_ENTITY).await
    };
    let (Some(parsed), None) = (parsed, &errors.password) else {
        return fail(errors, user).await;
    };
    // "Email in use" tells whose email it is: the answer counts against the address like a
    // taken name at registration, reserved before it is given.
    let probe = chassis::client_ip::client_ip(&req).map(Bucket::Signup);
    if let Some(bucket) = probe.clone() {
        let (limit, now) = (state.throttle.limit(&bucket), state.now());
        if let Reservation::Refused { retry_after_secs } = state
            .pool
            .run(move |conn| throttle::reserve(conn, &bucket, limit, now))
            .await?
        {
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
    }
    let id = user.id;
    let updated = state
        .pool
        .run(move |conn| users::set_email(conn, id, &parsed))
        .await?;
    if !updated {
        errors.email = Some(Text::EmailTaken.text());
        return fail(errors, user).await;
    }
    if let Some(bucket) = probe {
        state
            .pool
            .run(move |conn| throttle::refund(conn, &bucket))
            .await?;
    }
    set_flash(
        page.session(),
        FlashKind::Success,
        Text::EmailChanged.text(),
    );
    Ok(see_other("/account"))
}
