//! `GET /account/register`: the registration form.

use super::super::{NextQuery, safe_next};
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chassis::AppError;
use chassis::page::{PageBuilder, render_with_status, see_other};
use shared_ui::template_prelude::*;

/// Problems with each field, shown next to it.
#[derive(Debug, Default)]
pub struct RegisterErrors {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub password_confirm: Option<String>,
}

impl RegisterErrors {
    pub fn any(&self) -> bool {
        self.username.is_some()
            || self.email.is_some()
            || self.password.is_some()
            || self.password_confirm.is_some()
    }
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub ctx: PageContext,
    pub username: String,
    pub email: String,
    pub next: String,
    pub errors: RegisterErrors,
}

pub async fn register_page(
    page: PageBuilder,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if page.identity().is_some() {
        return Ok(see_other(&next));
    }
    render_register(
        &page,
        RegisterPage {
            ctx: PageContext::default(),
            username: String::new(),
            email: String::new(),
            next,
            errors: RegisterErrors::default(),
        },
        StatusCode::OK,
    )
}

pub fn render_register(
    page: &PageBuilder,
    mut form: RegisterPage,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    form.ctx = page.form_context("Create your account", Nav::Account);
    render_with_status(&form, status)
}
