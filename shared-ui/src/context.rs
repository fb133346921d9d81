//! What every page hands the shared layout: who is looking, where the assets are,
//! and which messages and banners to show.

use crate::currency::Currency;
use serde::{Deserialize, Serialize};

/// The signed-in person as the layout shows them. Filled from the session, never from a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    pub display_name: String,
}

/// Which navigation entry is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nav {
    #[default]
    None,
    Coins,
    Watchlist,
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

impl FlashKind {
    pub fn css_class(&self) -> &'static str {
        match self {
            Self::Success => "flash-success",
            Self::Info => "flash-info",
            Self::Error => "flash-error",
        }
    }
}

/// A one-time message shown after a redirect ("Your password was changed").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerKind {
    /// Prices are generated, not real.
    Demo,
    /// The market snapshot is older than it should be.
    Stale,
    /// Something on this page is degraded.
    Warning,
}

impl BannerKind {
    pub fn css_class(&self) -> &'static str {
        match self {
            Self::Demo => "banner-demo",
            Self::Stale => "banner-stale",
            Self::Warning => "banner-warning",
        }
    }
}

/// A site-wide notice shown under the header on every page of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub kind: BannerKind,
    pub message: String,
}

/// The header's currency selector, on pages that show prices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrencyChoice {
    /// The currency the page's prices are in.
    pub current: Currency,
    /// Where the selector's form goes: this page's path, without its query.
    pub action: String,
    /// This page's other query fields, carried as hidden inputs so that choosing a currency
    /// keeps the page, sort and search.
    pub kept: Vec<(String, String)>,
    /// Whether to offer saving the currency to the account (a signed-in viewer).
    pub can_save: bool,
}

/// One entry of the currency selector.
pub struct CurrencyOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

impl CurrencyChoice {
    pub fn options(&self) -> Vec<CurrencyOption> {
        Currency::ALL
            .into_iter()
            .map(|c| CurrencyOption {
                code: c.code(),
                label: c.label(),
                selected: c == self.current,
            })
            .collect()
    }
}

/// Everything the base layout needs. Each page struct holds one as `ctx`.
#[derive(Debug, Clone, Default)]
pub struct PageContext {
    /// The `<title>` of the page, without the site name.
    pub title: String,
    /// The URL prefix of the service that renders this page (`""` or `"/account"`).
    /// Assets are linked under it so that a page always gets the CSS of its own version.
    pub asset_prefix: String,
    pub viewer: Option<Viewer>,
    /// The synchronizer token for forms on this page; empty when the page has no form.
    pub csrf_token: String,
    pub nav: Nav,
    pub flash: Option<Flash>,
    pub banners: Vec<Banner>,
    /// The path and query of this page, used as `next` for the login link.
    pub current_path: String,
    /// The currency selector, on pages that show prices.
    pub currency: Option<CurrencyChoice>,
}

impl PageContext {
    pub fn new(title: impl Into<String>, asset_prefix: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            asset_prefix: asset_prefix.into(),
            ..Self::default()
        }
    }

    pub fn stylesheet_url(&self) -> String {
        format!(
            "{}/assets/{}",
            self.asset_prefix,
            crate::assets::STYLESHEET.hashed_name()
        )
    }

    /// The live prices script, for pages whose figures carry `data-live-*` attributes.
    pub fn live_script_url(&self) -> String {
        format!(
            "{}/assets/{}",
            self.asset_prefix,
            crate::assets::LIVE_SCRIPT.hashed_name()
        )
    }

    pub fn favicon_url(&self) -> String {
        format!(
            "{}/assets/{}",
            self.asset_prefix,
            crate::assets::FAVICON.hashed_name()
        )
    }

    pub fn apple_touch_icon_url(&self) -> String {
        format!(
            "{}/assets/{}",
            self.asset_prefix,
            crate::assets::APPLE_TOUCH_ICON.hashed_name()
        )
    }

    pub fn is_nav(&self, nav: Nav) -> bool {
        self.nav == nav
    }

    /// The login link, carrying this page as the place to come back to.
    pub fn login_url(&self) -> String {
        login_url_for(&self.current_path)
    }

    pub fn register_url(&self) -> String {
        let next = next_param(&self.current_path);
        format!("/account/register{next}")
    }
}

/// `/account/login?next=...` for a local path, or plain `/account/login`.
pub fn login_url_for(path: &str) -> String {
    format!("/account/login{}", next_param(path))
}

fn next_param(path: &str) -> String {
    let is_login_page = ["/account/login", "/account/register", "/account/logout"]
        .iter()
        .any(|page| path.starts_with(page));
    if path.is_empty() || path == "/" || is_login_page {
        String::new()
    } else {
        format!("?next={}", percent_encode_query_value(path))
    }
}

/// Percent-encodes a value for a query string, keeping `/` readable.
pub fn percent_encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_link_carries_the_current_page_encoded() {
        assert_eq!(
            login_url_for("/coins/bitcoin?range=7d&x=1"),
            "/account/login?next=/coins/bitcoin%3Frange%3D7d%26x%3D1"
        );
    }

    #[test]
    fn login_link_from_home_or_login_pages_has_no_next() {
        assert_eq!(login_url_for("/"), "/account/login");
        assert_eq!(login_url_for("/account/register"), "/account/login");
        assert_eq!(login_url_for("/account/login?next=/x"), "/account/login");
        assert_eq!(login_url_for("/account"), "/account/login?next=/account");
        assert_eq!(login_url_for(""), "/account/login");
    }
}
