//! `GET /account/login`: the login form.

use super::super::{NextQuery, safe_next};
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chassis::AppError;
use chassis::page::{PageBuilder, render_with_status, see_other};
use shared_ui::template_prelude::*;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: PageContext,
    /// What the visitor typed as username or email (never the password).
    pub login: String,
    pub next: String,
    pub error: Option<String>,
}

pub async fn login_page(
    page: PageBuilder,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if page.identity().is_some() {
        return Ok(see_other(&next));
    }
    render_login(&page, String::new(), next, None, StatusCode::OK)
}

pub fn render_login(
    page: &PageBuilder,
    login: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_with_status(
        &LoginPage {
            ctx: page.form_context("Log in", Nav::Account),
            login,
            next,
            error,
        },
        status,
    )
}
