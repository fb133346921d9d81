//! Login's routes, relative to its `/account` prefix.

mod account;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(account::get::account_page));
}
