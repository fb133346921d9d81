//! Samples for the page gallery of the `site` binary (`/_gallery`) and the snapshot tests:
//! every page and component in each of its states, rendered with sample data.

use crate::context::{Banner, BannerKind, Flash, FlashKind, Nav, PageContext, Viewer};
use crate::error_page::{ErrorKind, ErrorPage};
use askama::Template;

/// One rendered state of a page.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Unique, URL-safe: `login-register-errors`.
    pub id: String,
    /// What state this is, for people: "Register: every field wrong".
    pub title: String,
    pub html: String,
}

impl Sample {
    pub fn new(id: impl Into<String>, title: impl Into<String>, page: &impl Template) -> Self {
        let id = id.into();
        let html = page.render().unwrap_or_else(|e| {
            format!("<!DOCTYPE html><title>broken sample</title><p>{id} failed to render: {e}</p>")
        });
        Self {
            id,
            title: title.into(),
            html,
        }
    }
}

/// A context for samples: who is looking, under which prefix, with which messages.
pub fn sample_context(
    title: &str,
    asset_prefix: &str,
    nav: Nav,
    viewer: Option<&str>,
) -> PageContext {
    PageContext {
        title: title.to_owned(),
        asset_prefix: asset_prefix.to_owned(),
        viewer: viewer.map(|name| Viewer {
            user_id: 42,
            display_name: name.to_owned(),
        }),
        csrf_token: "gallery-sample-token".to_owned(),
        nav,
        flash: None,
        banners: Vec::new(),
        current_path: "/".to_owned(),
        currency: None,
    }
}

pub fn demo_banner() -> Banner {
    Banner {
        kind: BannerKind::Demo,
        message: "Demo data: these prices are not real.".to_owned(),
    }
}

pub fn stale_banner() -> Banner {
    Banner {
        kind: BannerKind::Stale,
        message: "Stale prices: as of 2026-11-24 05:40 UTC.".to_owned(),
    }
}

/// The shared pieces: every error page, anonymous and signed in, with banners and a flash.
pub fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for kind in ErrorKind::all() {
        let page = ErrorPage {
            ctx: sample_context("Error", "", Nav::None, None),
            kind,
            detail: (kind == ErrorKind::BadRequest)
                .then(|| "The page number must be a whole number from 1 to 3.".to_owned()),
            retry_after_secs: (kind == ErrorKind::TooManyRequests).then_some(540),
        };
        out.push(Sample::new(
            format!("error-{}", kind.status()) + kind_suffix(kind),
            format!("Error page: {}, {}", kind.status(), label(kind)),
            &page,
        ));
    }
    let mut signed_in = sample_context(
        "Error",
        "",
        Nav::None,
        Some("a_very_long_username_32_chars_xx"),
    );
    signed_in.banners = vec![demo_banner(), stale_banner()];
    signed_in.flash = Some(Flash {
        kind: FlashKind::Error,
        message:
            "A flash message that is long enough to wrap on a phone screen, to see how it flows."
                .to_owned(),
    });
    out.push(Sample::new(
        "error-404-signed-in-with-banners",
        "Error page, signed in with a long name, both banners and a flash",
        &ErrorPage::new(signed_in, ErrorKind::NotFound),
    ));
    out
}

/// What each error page is for, in the gallery's words.
fn label(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BadRequest => {
            "an address or form we cannot read (with the sentence that says why)"
        }
        ErrorKind::Forbidden => "not allowed",
        ErrorKind::CsrfRejected => "a form that expired or did not come from our page",
        ErrorKind::NotFound => "no such page",
        ErrorKind::MethodNotAllowed => "an address that does not take that kind of request",
        ErrorKind::RequestTimeout => "a form that took too long to arrive",
        ErrorKind::PayloadTooLarge => "a form too large to accept",
        ErrorKind::TooManyRequests => "too many attempts (with the wait)",
        ErrorKind::Internal => "something went wrong on our side",
        ErrorKind::Unavailable => "a part of the site is down for a moment",
    }
}

fn kind_suffix(kind: ErrorKind) -> &'static str {
    if kind == ErrorKind::CsrfRejected {
        "-csrf"
    } else {
        ""
    }
}
