//! Product's routes, at the root of the site: one folder per page, one file per action.

mod as_of;
pub(crate) mod coin;
mod coin_table;
pub(crate) mod currency;
pub(crate) mod listing;
pub(crate) mod watchlist;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(listing::get::listing_page))
        .route("/coins/{id}", web::get().to(coin::get::coin_page))
        .route("/coins/{id}/watch", web::post().to(watchlist::watch::watch))
        .route(
            "/coins/{id}/unwatch",
            web::post().to(watchlist::unwatch::unwatch),
        )
        .route("/watchlist", web::get().to(watchlist::get::watchlist_page))
        .route("/currency", web::post().to(currency::save::save));
}
