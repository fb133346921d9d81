//! `GET /account`: the signed-in user's account page; visitors are sent to log in.

use actix_web::HttpResponse;
use askama::Template;
use chassis::AppError;
use chassis::page::{PageBuilder, render};
use shared_ui::template_prelude::*;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageContext,
}

pub async fn account_page(page: PageBuilder) -> Result<HttpResponse, AppError> {
    render(&AccountPage {
        ctx: page.context("Your account", Nav::Account),
    })
}
