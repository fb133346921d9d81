//! Product's routes, at the root of the site: one folder per page, one file per action.

mod as_of;
pub(crate) mod coin;
mod coin_table;
pub(crate) mod currency;
pub(crate) mod listing;
pub(crate) mod live;
mod logo;
mod trailing_slash;
pub(crate) mod watchlist;

use crate::config::PublicUrl;
use actix_web::web;

/// Where visitors reach the site, for canonical links and Open Graph URLs; pages carry
/// neither when it is not configured.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin(pub(crate) Option<PublicUrl>);

impl Origin {
    /// The absolute URL of the local path `path`.
    pub(crate) fn url(&self, path: &str) -> Option<String> {
        self.0.as_ref().map(|origin| origin.join(path))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(listing::get::listing_page))
        .route("/coins/logos/{file}", web::get().to(logo::get::logo))
        .route("/coins/{id}", web::get().to(coin::get::coin_page))
        .route("/coins/{id}/watch", web::post().to(watchlist::watch::watch))
        .route(
            "/coins/{id}/unwatch",
            web::post().to(watchlist::unwatch::unwatch),
        )
        .route("/watchlist", web::get().to(watchlist::get::watchlist_page))
        .route("/currency", web::post().to(currency::save::save))
        .route("/prices/live", web::get().to(live::get::live_prices))
        // Last: only a path no other route took.
        .route(
            trailing_slash::PATTERN,
            web::get().to(trailing_slash::redirect),
        );
}
