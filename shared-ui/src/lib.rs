//! The look of the site, shared by every service so that the pages read as one site.
//!
//! It holds the base layout and its partials (under `templates/`), the [`PageContext`]
//! every page fills, the styled error page, the formatting filters used by templates,
//! and the static assets embedded at compile time and served content-hashed.
//! Nothing here knows about HTTP frameworks or databases.

pub mod assets;
pub mod context;
pub mod currency;
pub mod error_page;
pub mod filters;
pub mod format;
pub mod gallery;

pub use context::{Banner, BannerKind, CurrencyChoice, Flash, FlashKind, Nav, PageContext, Viewer};
pub use currency::{Currency, InCurrency};
pub use error_page::{ErrorKind, ErrorPage};

/// What a module that derives page templates imports: `use shared_ui::template_prelude::*;`.
/// The layout refers to these names, and templates use the filters.
pub mod template_prelude {
    pub use crate::context::{BannerKind, FlashKind, Nav, PageContext};
    pub use crate::filters;
}
