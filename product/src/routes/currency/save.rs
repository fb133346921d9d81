//! `POST /currency`: saves a signed-in user's currency to their account, so that it follows
//! them to any browser they sign in on. The browser's cookie is set to it too.

use super::{COOKIE, CookiePolicy, cookie};
use crate::copy::Text;
use crate::store;
use actix_session::SessionExt;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chassis::AppError;
use chassis::csrf::CsrfForm;
use chassis::flash::set_flash;
use chassis::page::see_other;
use chassis::redirect::local_or_home;
use serde::Deserialize;
use shared_ui::context::login_url_for;
use shared_ui::format::now_unix;
use shared_ui::{Currency, FlashKind};

#[derive(Debug, Default, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    currency: String,
    /// The local page to go back to; anything else goes home.
    #[serde(default)]
    return_to: Option<String>,
}

pub async fn save(
    req: HttpRequest,
    payload: web::Payload,
    pool: web::Data<chassis::db::DbPool>,
) -> Result<HttpResponse, AppError> {
    let mut payload = payload.into_inner();
    let Some(identity) = chassis::identity::current_for_request(&req) else {
        // Nothing changes for a visitor who is not signed in: off to log in, and back.
        let form = web::Form::<SaveForm>::from_request(&req, &mut payload)
            .await
            .map(web::Form::into_inner)
            .unwrap_or_default();
        let back = local_or_home(form.return_to.as_deref());
        return Ok(see_other(&login_url_for(&back)));
    };
    let CsrfForm(form) = CsrfForm::<SaveForm>::from_request(&req, &mut payload).await?;
    let currency = Currency::parse(&form.currency).ok_or_else(|| {
        let shown: String = form.currency.chars().take(20).collect();
        AppError::BadRequest(
            Text::UnknownCurrency {
                given: format!("{shown:?}"),
                shown: Currency::Usd.label(),
            }
            .text(),
        )
    })?;
    pool.run(move |conn| {
        store::currency_preference::set(conn, identity.user_id, currency, now_unix())
    })
    .await?;
    if let Err(err) = req
        .get_session()
        .insert(super::SESSION_KEY, currency.code())
    {
        log::warn!("saved currency not kept in the session: {err}");
    }
    set_flash(
        &req.get_session(),
        FlashKind::Success,
        Text::CurrencySaved {
            label: currency.label(),
        }
        .text(),
    );
    let mut response = see_other(&local_or_home(form.return_to.as_deref()));
    let secure = req
        .app_data::<web::Data<CookiePolicy>>()
        .is_none_or(|p| p.secure);
    if req.cookie(COOKIE).and_then(|c| Currency::parse(c.value())) != Some(currency) {
        let _ = response.add_cookie(&cookie(currency, secure));
    }
    Ok(response)
}
