//! `POST /coins/{id}/unwatch`: removes a coin from the signed-in user's watchlist, listed or
//! not (a coin that left the listing can still be removed).

use super::Submission;
use crate::copy::Text;
use crate::feed::Feed;
use crate::market::CoinId;
use crate::store;
use crate::watched::WatchedCoins;
use actix_session::SessionExt;
use actix_web::{HttpRequest, HttpResponse, web};
use chassis::AppError;
use chassis::db::DbPool;
use chassis::flash::set_flash;
use chassis::ids::UserId;
use chassis::page::see_other;
use chassis::session::Sessions;
use shared_ui::FlashKind;

pub async fn unwatch(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    feed: web::Data<Feed>,
    pool: web::Data<DbPool>,
    watched: web::Data<WatchedCoins>,
    sessions: web::Data<Sessions>,
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
    let user = UserId(identity.user_id);
    pool.run(move |conn| store::watchlist::remove(conn, identity.user_id, &id))
        .await?;
    watched.changed(user, &sessions).await;
    set_flash(
        &req.get_session(),
        FlashKind::Success,
        Text::Unwatched { name }.text(),
    );
    Ok(see_other(&form.return_path()))
}
