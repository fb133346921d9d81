//! Product's routes, at the root of the site.

mod listing;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(listing::get::listing_page));
}
