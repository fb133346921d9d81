//! One error type for requests, mapped to a status in one place, and the middleware that
//! turns every error response (ours or actix's own, like 404 and 413) into the styled page.

use crate::db::DbError;
use crate::page::PageBuilder;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use shared_ui::{ErrorKind, ErrorPage};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    CsrfRejected,
    #[error("not found")]
    NotFound,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Something failed on our side. `context` says what was being done; `cause`, when there
    /// is one, keeps the error itself (and its chain) for the log.
    #[error("internal error: {context}")]
    Internal {
        context: &'static str,
        #[source]
        cause: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl AppError {
    /// An internal error while doing `context`, keeping `cause`.
    pub fn internal(
        context: &'static str,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Internal {
            context,
            cause: Some(cause.into()),
        }
    }

    /// An internal error with nothing more to say than `context`.
    pub fn internal_without_cause(context: &'static str) -> Self {
        Self::Internal {
            context,
            cause: None,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::BadRequest(_) => ErrorKind::BadRequest,
            Self::Forbidden => ErrorKind::Forbidden,
            Self::CsrfRejected => ErrorKind::CsrfRejected,
            Self::NotFound => ErrorKind::NotFound,
            Self::PayloadTooLarge => ErrorKind::PayloadTooLarge,
            Self::TooManyRequests { .. } => ErrorKind::TooManyRequests,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Internal { .. } => ErrorKind::Internal,
        }
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self::NotFound,
            DbError::Unavailable(cause) => Self::Unavailable(cause),
            other => Self::internal("database", other),
        }
    }
}

impl From<crate::session::StoreError> for AppError {
    fn from(err: crate::session::StoreError) -> Self {
        Self::Unavailable(format!("session store: {err}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        Self::internal("template failed to render", err)
    }
}

/// `error` and every cause under it, `: `-separated, for the log.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// What the error page middleware needs to know about an error the handler returned.
#[derive(Debug, Clone)]
struct ErrorDetail {
    kind: ErrorKind,
    detail: Option<String>,
    retry_after_secs: Option<u64>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal { .. } => log::error!("{}", chain(self)),
            Self::Unavailable(cause) => log::warn!("dependency unavailable: {cause}"),
            _ => {}
        }
        let mut builder = HttpResponse::build(self.status_code());
        let retry_after_secs = match self {
            Self::TooManyRequests { retry_after_secs } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
                Some(*retry_after_secs)
            }
            _ => None,
        };
        let mut response = builder.finish();
        response.extensions_mut().insert(ErrorDetail {
            kind: self.kind(),
            // Only request problems are explained to the visitor; internal causes stay in the log.
            detail: match self {
                Self::BadRequest(d) => Some(d.clone()),
                _ => None,
            },
            retry_after_secs,
        });
        response
    }
}

/// Renders the styled page for any 4xx or 5xx response that is not already an HTML page.
pub async fn render_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let is_probe = res.headers().contains_key(crate::health::PROBE_HEADER);
    if !(status.is_client_error() || status.is_server_error()) || is_html || is_probe {
        return Ok(res.map_into_left_body());
    }
    let detail = res.response().extensions().get::<ErrorDetail>().cloned();
    let (req, res) = res.into_parts();
    let detail = detail.unwrap_or(ErrorDetail {
        kind: ErrorKind::from_status(status.as_u16()),
        detail: None,
        retry_after_secs: None,
    });
    if status.is_server_error()
        && res.extensions().get::<ErrorDetail>().is_none()
        && let Some(err) = res.error()
    {
        log::error!("unhandled error: {err}");
    }
    let page = ErrorPage {
        ctx: PageBuilder::from_request(&req).context("Error", shared_ui::Nav::None),
        kind: detail.kind,
        detail: detail.detail,
        retry_after_secs: detail.retry_after_secs,
    };
    let body = page.render().unwrap_or_else(|_| {
        // The error page itself failed: still say something a person can read.
        "<!DOCTYPE html><title>Error</title><h1>Something went wrong</h1><p><a href=\"/\">Go to the home page</a></p>"
            .to_owned()
    });
    let mut styled = HttpResponse::build(status);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            styled.append_header((name.clone(), value.clone()));
        }
    }
    if res.head().connection_type() == actix_web::http::ConnectionType::Close {
        // A 408 closes its connection; the page must too.
        styled.force_close();
    }
    let styled = styled.content_type("text/html; charset=utf-8").body(body);
    Ok(ServiceResponse::new(req, styled).map_into_right_body())
}
