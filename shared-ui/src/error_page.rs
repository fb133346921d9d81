//! The styled error page. Every error a visitor can meet is one of [`ErrorKind`]; the
//! words for each (what happened, what to do next) live in `templates/error.html`.

use crate::template_prelude::*;
use askama::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Forbidden,
    CsrfRejected,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    PayloadTooLarge,
    TooManyRequests,
    Internal,
    Unavailable,
}

impl ErrorKind {
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Forbidden | Self::CsrfRejected => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::PayloadTooLarge => 413,
            Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }

    /// The kind of page for a status that has no more specific cause.
    pub fn from_status(status: u16) -> Self {
        match status {
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            408 => Self::RequestTimeout,
            413 => Self::PayloadTooLarge,
            429 => Self::TooManyRequests,
            400..=499 => Self::BadRequest,
            503 => Self::Unavailable,
            _ => Self::Internal,
        }
    }

    pub fn all() -> [Self; 10] {
        [
            Self::BadRequest,
            Self::Forbidden,
            Self::CsrfRejected,
            Self::NotFound,
            Self::MethodNotAllowed,
            Self::RequestTimeout,
            Self::PayloadTooLarge,
            Self::TooManyRequests,
            Self::Internal,
            Self::Unavailable,
        ]
    }
}

/// An error page. `detail` is an optional sentence that says precisely what was wrong
/// with the request (for example which query parameter); it is escaped like all output.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: PageContext,
    pub kind: ErrorKind,
    pub detail: Option<String>,
    /// For 429: how long to wait, in seconds.
    pub retry_after_secs: Option<u64>,
}

impl ErrorPage {
    pub fn new(ctx: PageContext, kind: ErrorKind) -> Self {
        Self {
            ctx,
            kind,
            detail: None,
            retry_after_secs: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_page_renders_in_the_layout_with_a_next_step() {
        for kind in ErrorKind::all() {
            let mut ctx = PageContext::new("Error", "/account");
            ctx.current_path = "/account/x".into();
            let html = ErrorPage::new(ctx, kind).render().expect("renders");
            assert!(html.contains("<main"), "{kind:?} has no main landmark");
            assert!(
                html.contains(&format!("{}", kind.status())),
                "{kind:?} shows no status"
            );
            assert!(
                html.contains("/account/assets/app."),
                "{kind:?} lacks the stylesheet"
            );
            assert!(
                html.contains("class=\"next-step\""),
                "{kind:?} says nothing to do next"
            );
        }
    }

    #[test]
    fn detail_is_escaped() {
        let mut page = ErrorPage::new(PageContext::new("Error", ""), ErrorKind::BadRequest);
        page.detail = Some("<script>alert(1)</script>".into());
        let html = page.render().expect("renders");
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_status(422), ErrorKind::BadRequest);
        assert_eq!(ErrorKind::from_status(502), ErrorKind::Internal);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Unavailable);
        for kind in ErrorKind::all() {
            if kind != ErrorKind::CsrfRejected {
                assert_eq!(ErrorKind::from_status(kind.status()), kind);
            }
        }
    }
}
