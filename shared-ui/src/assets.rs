//! Static assets embedded at compile time and served under a content hash, so that they can
//! be cached forever and a page always loads the CSS of the version that rendered it.

use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub struct Asset {
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    hashed_name: LazyLock<String>,
}

impl Asset {
    /// `app.3f2a1b0c9d8e7f60.css`
    pub fn hashed_name(&self) -> &str {
        &self.hashed_name
    }
}

macro_rules! asset {
    ($stem:literal, $ext:literal, $content_type:literal) => {
        Asset {
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../static/", $stem, ".", $ext)),
            hashed_name: LazyLock::new(|| {
                hashed_file_name(
                    $stem,
                    $ext,
                    include_bytes!(concat!("../../static/", $stem, ".", $ext)),
                )
            }),
        }
    };
}

pub static STYLESHEET: Asset = asset!("app", "css", "text/css; charset=utf-8");
pub static FAVICON: Asset = asset!("favicon", "svg", "image/svg+xml");
/// The favicon drawn at 180×180 px, for home screens that take no SVG.
pub static APPLE_TOUCH_ICON: Asset = asset!("apple-touch-icon", "png", "image/png");

/// The price chart's readout: follows the pointer and the arrow keys (coin pages only).
pub static CHART_SCRIPT: Asset = asset!("chart", "js", "text/javascript; charset=utf-8");

/// Live prices: follows the product's price stream and updates the figures in place (pages
/// with prices only).
pub static LIVE_SCRIPT: Asset = asset!("live", "js", "text/javascript; charset=utf-8");

/// Every embedded asset, for the router.
pub fn all() -> [&'static Asset; 5] {
    [
        &STYLESHEET,
        &FAVICON,
        &APPLE_TOUCH_ICON,
        &CHART_SCRIPT,
        &LIVE_SCRIPT,
    ]
}

/// Finds the asset whose hashed name is `name`. Any other name, an old hash included, is `None`.
pub fn by_hashed_name(name: &str) -> Option<&'static Asset> {
    all().into_iter().find(|asset| asset.hashed_name() == name)
}

fn hashed_file_name(stem: &str, extension: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("{stem}.{}.{extension}", &hex::encode(digest)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_name_changes_with_content() {
        let a = hashed_file_name("app", "css", b"body{}");
        let b = hashed_file_name("app", "css", b"body{ }");
        assert_ne!(a, b);
        assert!(a.starts_with("app.") && a.ends_with(".css"));
        assert_eq!(a.len(), "app.".len() + 16 + ".css".len());
    }

    #[test]
    fn assets_are_found_by_their_hashed_name_only() {
        let name = STYLESHEET.hashed_name().to_owned();
        assert!(by_hashed_name(&name).is_some());
        assert!(by_hashed_name("app.css").is_none());
        assert!(by_hashed_name("app.0000000000000000.css").is_none());
    }
}
