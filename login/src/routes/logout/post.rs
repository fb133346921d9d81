//! `POST /account/logout`: ends the session.

use crate::copy::Text;
use actix_web::HttpResponse;
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::identity::sign_out;
use chassis::page::{PageBuilder, see_other};
use shared_ui::FlashKind;

#[derive(serde::Deserialize)]
pub struct LogoutForm {}

pub async fn log_out(
    page: PageBuilder,
    _form: CsrfForm<LogoutForm>,
) -> Result<HttpResponse, AppError> {
    let message = if page.identity().is_some() {
        Text::LoggedOut
    } else {
        Text::NotLoggedIn
    }
    .text();
    sign_out(page.session(), Some((FlashKind::Info, &message)));
    Ok(see_other("/"))
}
