//! `POST /coins/{id}/unwatch`: removes a coin from the signed-in user's watchlist, listed or
//! not (a coin that left the listing can still be removed).

use super::Submission;
use crate::copy::Copy;
use crate::feed::Feed;
use crate::market::CoinId;
use crate::store;
use actix_session::SessionExt;
use actix_web::{HttpRequest, HttpResponse, web};
use chassis::AppError;
use chassis::db::DbPool;
use chassis::identity::set_flash;
use chassis::page::see_other;
use shared_ui::FlashKind;

pub async fn unwatch(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    feed: web::Data<Feed>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    let (identity, form) = match Submission::read(&req, payload).await? {
        Submission::SignedIn(identity, form) => (identity, form),
        Submission::Anonymous(login) => return Ok(login),
    };
    let id = CoinId::parse(&path).map_err(|_| AppError::NotFound)?;
    let name = feed
        .live()
        .snapshot()
        .coin(&id)
        .map_or_else(|| id.to_string(), |coin| coin.name.clone());
    pool.run(move |conn| store::watchlist::remove(conn, identity.user_id, &id))
        .await?;
    set_flash(
        &req.get_session(),
        FlashKind::Success,
        Copy::Unwatched { name }.text(),
    );
    Ok(see_other(&form.return_path()))
}
