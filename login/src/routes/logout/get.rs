//! `GET /account/logout`: a page with a button, since a link must never log anyone out.

use actix_web::HttpResponse;
use askama::Template;
use chassis::AppError;
use chassis::page::{PageBuilder, render};
use shared_ui::template_prelude::*;

#[derive(Template)]
#[template(path = "logout.html")]
pub(crate) struct LogoutPage {
    pub ctx: PageContext,
}

pub async fn logout_page(page: PageBuilder) -> Result<HttpResponse, AppError> {
    render(&LogoutPage {
        ctx: page.form_context("Log out", Nav::Account),
    })
}
