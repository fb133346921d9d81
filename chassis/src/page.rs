//! Builds the [`PageContext`] every page fills: who is signed in (from the session), the
//! service's asset prefix, the one-time flash message and the service's banners.

use crate::identity::{self, Identity};
use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;
use shared_ui::{Banner, Nav, PageContext, Viewer};
use std::future::{Ready, ready};
use std::sync::Arc;

/// A service's source of site-wide banners (product: demo and stale data).
pub trait BannerSource: Send + Sync {
    fn banners(&self) -> Vec<Banner>;
}

/// The banners of the service that owns a scope; registered as scope data.
#[derive(Clone)]
pub struct Banners(pub Arc<dyn BannerSource>);

/// The mount prefix of the service handling a request (`""` or `"/account"`); scope data.
#[derive(Debug, Clone, Copy)]
pub struct ServicePrefix(pub &'static str);

/// Extractor for pages: carries the request's session and identity.
pub struct PageBuilder {
    session: Session,
    viewer: Option<Identity>,
    asset_prefix: &'static str,
    current_path: String,
    banners: Vec<Banner>,
    /// Whether the session store answers; when it does not, nothing is written to the session.
    sessions_available: bool,
}

/// Shown on every page while the session store is away: pages still work, signing in does not.
pub const SIGN_IN_UNAVAILABLE: &str =
    "Signing in is unavailable for a moment. Prices and pages still work; try again in a minute.";

impl PageBuilder {
    pub fn from_request(req: &HttpRequest) -> Self {
        let asset_prefix = req
            .app_data::<web::Data<ServicePrefix>>()
            .map(|p| p.0)
            .unwrap_or_else(|| crate::routing::route_for(req.path()).mount_prefix());
        let mut banners = req
            .app_data::<web::Data<Banners>>()
            .map(|b| b.0.banners())
            .unwrap_or_default();
        let sessions_available = req
            .app_data::<web::Data<crate::session::Sessions>>()
            .is_none_or(|s| s.is_available());
        if !sessions_available {
            banners.push(Banner {
                kind: shared_ui::BannerKind::Warning,
                message: SIGN_IN_UNAVAILABLE.to_owned(),
            });
        }
        let current_path = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Self {
            session: req.get_session(),
            viewer: identity::current_for_request(req),
            asset_prefix,
            current_path,
            banners,
            sessions_available,
        }
    }

    pub fn identity(&self) -> Option<&Identity> {
        self.viewer.as_ref()
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Whether this page will show a one-time message (and so differs from the same page
    /// for anyone else).
    pub fn has_flash(&self) -> bool {
        crate::flash::has_flash(&self.session)
    }

    /// The banners this page will show.
    pub fn banners(&self) -> &[Banner] {
        &self.banners
    }

    /// The path and query of this page, as the login link carries it.
    pub fn current_path(&self) -> &str {
        &self.current_path
    }

    /// The context for a page without forms of its own (the header's logout form uses the
    /// token a signed-in session always has).
    pub fn context(&self, title: impl Into<String>, nav: Nav) -> PageContext {
        let csrf_token = crate::csrf::existing_token(&self.session).unwrap_or_default();
        self.build(title.into(), nav, csrf_token)
    }

    /// The context for a page with a form: makes sure the session has a CSRF token. While the
    /// store is away the form still renders, with a token that is not kept: its post answers
    /// 503 (see [`crate::csrf::CsrfForm`]), and writing a session now would fail the page.
    pub fn form_context(&self, title: impl Into<String>, nav: Nav) -> PageContext {
        let csrf_token = if self.sessions_available {
            crate::csrf::token(&self.session)
        } else {
            crate::csrf::unkept_token()
        };
        self.build(title.into(), nav, csrf_token)
    }

    fn build(&self, title: String, nav: Nav, csrf_token: String) -> PageContext {
        PageContext {
            title,
            asset_prefix: self.asset_prefix.to_owned(),
            viewer: self.viewer.as_ref().map(|i| Viewer {
                user_id: i.user_id,
                display_name: i.display_name.clone(),
            }),
            csrf_token,
            nav,
            flash: crate::flash::take_flash(&self.session),
            banners: self.banners.clone(),
            current_path: self.current_path.clone(),
            currency: None,
        }
    }
}

impl FromRequest for PageBuilder {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::from_request(req)))
    }
}

/// A rendered page as a 200 response.
pub fn render(page: &impl Template) -> Result<HttpResponse, crate::AppError> {
    render_with_status(page, actix_web::http::StatusCode::OK)
}

/// A rendered page with another status (a form with errors is 422, for example).
pub fn render_with_status(
    page: &impl Template,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, crate::AppError> {
    let html = page.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// A 303 See Other to a local path, the answer to a successful form.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
