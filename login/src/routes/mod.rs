//! Login's routes, relative to its `/account` prefix. One folder per feature, one file per action.

pub(crate) mod account;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod register;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(account::get::account_page))
        .route(
            "/password",
            web::post().to(account::password::change_password),
        )
        .route("/email", web::post().to(account::email::change_email))
        .route("/delete", web::post().to(account::delete::delete_account))
        .route(
            "/sessions/end",
            web::post().to(account::sessions::end_session),
        )
        .route(
            "/sessions/end-others",
            web::post().to(account::sessions::end_other_sessions),
        )
        .route("/login", web::get().to(login::get::login_page))
        .route("/login", web::post().to(login::post::log_in))
        .route("/register", web::get().to(register::get::register_page))
        .route("/register", web::post().to(register::post::register))
        .route("/logout", web::get().to(logout::get::logout_page))
        .route("/logout", web::post().to(logout::post::log_out));
}

/// The `next` query parameter of the login and register pages.
#[derive(Debug, serde::Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `next` if it is a local path, else the home page.
pub fn safe_next(next: Option<&str>) -> String {
    chassis::redirect::local_or_home(next)
}
