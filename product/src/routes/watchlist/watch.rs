//! `POST /coins/{id}/watch`: adds a coin (ranked, or any coin in the coin list) to the
//! signed-in user's watchlist.

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
use shared_ui::format::now_unix;

pub async fn watch(
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
    // A ranked coin, or one from the coin list (outside the ranked set).
    let name = match feed.live().snapshot().coin(&id) {
        Some(coin) => coin.name.clone(),
        None => feed
            .directory()
            .get(&id)
            .ok_or(AppError::NotFound)?
            .name
            .clone(),
    };
    let user = UserId(identity.user_id);
    pool.run(move |conn| store::watchlist::add(conn, identity.user_id, &id, now_unix()))
        .await?;
    watched.changed(user, &sessions).await;
    set_flash(
        &req.get_session(),
        FlashKind::Success,
        Text::Watched { name }.text(),
    );
    Ok(see_other(&form.return_path()))
}
