//! `POST /account/sessions/end` and `/account/sessions/end-others`: log out one of the
//! account's other sessions, or all of them, on every service at once.

use super::get::signed_in_user;
use crate::copy::Text;
use crate::state::LoginState;
use actix_web::{HttpResponse, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::flash::set_flash;
use chassis::identity::session_id;
use chassis::ids::UserId;
use chassis::page::{PageBuilder, see_other};
use serde::Deserialize;
use shared_ui::FlashKind;

#[derive(Deserialize)]
pub struct EndSessionForm {
    #[serde(default)]
    session: String,
}

pub async fn end_session(
    page: PageBuilder,
    state: web::Data<LoginState>,
    form: CsrfForm<EndSessionForm>,
) -> Result<HttpResponse, AppError> {
    let (identity, _) = match signed_in_user(&page, &state).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    // Only another session of this same account can be named: the index is per user.
    let ended = !form.session.is_empty()
        && session_id(page.session()).as_deref() != Some(form.session.as_str())
        && state
            .sessions
            .end(UserId(identity.user_id), &form.session)
            .await?;
    let message = if ended {
        Text::SessionEnded
    } else {
        Text::SessionAlreadyEnded
    };
    set_flash(page.session(), FlashKind::Success, message.text());
    Ok(see_other("/account"))
}

#[derive(Deserialize)]
pub struct EndOthersForm {}

pub async fn end_other_sessions(
    page: PageBuilder,
    state: web::Data<LoginState>,
    _form: CsrfForm<EndOthersForm>,
) -> Result<HttpResponse, AppError> {
    let (identity, _) = match signed_in_user(&page, &state).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let Some(current) = session_id(page.session()) else {
        // Not yet described (the very first request after signing in): nothing to compare with.
        return Ok(see_other("/account"));
    };
    let count = state
        .sessions
        .end_all(UserId(identity.user_id), Some(&current))
        .await?;
    set_flash(
        page.session(),
        FlashKind::Success,
        Text::OtherSessionsEnded { count }.text(),
    );
    Ok(see_other("/account"))
}
