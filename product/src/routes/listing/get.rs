//! `GET /`: the market overview.

use actix_web::HttpResponse;
use askama::Template;
use chassis::AppError;
use chassis::page::{PageBuilder, render};
use shared_ui::template_prelude::*;

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage {
    ctx: PageContext,
}

pub async fn listing_page(page: PageBuilder) -> Result<HttpResponse, AppError> {
    render(&ListingPage {
        ctx: page.context("Cryptocurrency prices", Nav::Coins),
    })
}
