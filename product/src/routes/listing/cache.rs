//! Render once, serve many: the listing as anonymous visitors see it, kept whole per address,
//! and the rendered rows of the current snapshot for everyone else.
//!
//! An anonymous listing is the same bytes for every visitor until one of three things moves:
//! the market snapshot (its version), the query string (which also names the page in the
//! login link), and the clock, which shows only in the relative age of the prices ("5 minutes
//! ago") and in the banners (the stale warning). A page is kept with all three and served
//! while all three still match. Pages for a signed-in viewer, or with a one-time message, are
//! never kept: they carry a name, a CSRF token or marks that belong to one person.
//!
//! Memory is bounded: pages of older snapshots are dropped first, then the least recently used,
//! so the cache never holds more than [`PAGE_BUDGET_BYTES`] of pages.

use super::rows::RenderedRows;
use crate::market::Snapshot;
use actix_web::web::Bytes;
use arc_swap::ArcSwapOption;
use shared_ui::Banner;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many bytes of whole pages (a page of 100 coins is about 100 KiB).
pub(crate) const PAGE_BUDGET_BYTES: usize = 4 * 1024 * 1024;
/// Query strings longer than this are rendered each time rather than kept.
const MAX_KEY_LEN: usize = 256;

/// What the clock contributes to a page: the relative age of the prices and the banners.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Moment {
    pub(crate) age: Option<String>,
    pub(crate) banners: Vec<Banner>,
}

impl Moment {
    pub(crate) fn new(snapshot: &Snapshot, banners: &[Banner], now: i64) -> Self {
        Self {
            age: snapshot
                .as_of()
                .map(|as_of| shared_ui::format::relative_time(as_of, now)),
            banners: banners.to_vec(),
        }
    }
}

struct Page {
    version: u64,
    moment: Moment,
    body: Bytes,
    last_used: u64,
}

#[derive(Default)]
struct Pages {
    by_query: HashMap<Box<str>, Page>,
    bytes: usize,
    clock: u64,
}

#[derive(Default)]
pub(crate) struct ListingCache {
    pages: Mutex<Pages>,
    rows: ArcSwapOption<RenderedRows>,
    /// The anonymous listing rendered last: what the benchmark's ceiling serves.
    last_anonymous: ArcSwapOption<Bytes>,
}

impl ListingCache {
    /// The anonymous page for `query`, if one was kept for this snapshot and moment.
    pub(crate) fn page(&self, query: &str, version: u64, moment: &Moment) -> Option<Bytes> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.clock += 1;
        let clock = pages.clock;
        let page = pages.by_query.get_mut(query)?;
        if page.version != version || page.moment != *moment {
            return None;
        }
        page.last_used = clock;
        Some(page.body.clone())
    }

    /// Keeps an anonymous page, replacing what `query` had, within the budget.
    pub(crate) fn keep_page(&self, query: &str, version: u64, moment: Moment, body: Bytes) {
        self.last_anonymous.store(Some(Arc::new(body.clone())));
        if query.len() > MAX_KEY_LEN || body.len() > PAGE_BUDGET_BYTES / 4 {
            return;
        }
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let pages = &mut *pages;
        pages.clock += 1;
        if let Some(old) = pages.by_query.remove(query) {
            pages.bytes -= old.body.len();
        }
        // Pages of older snapshots will never be served again.
        if pages.by_query.values().any(|p| p.version < version) {
            pages.by_query.retain(|_, p| p.version >= version);
            pages.bytes = pages.by_query.values().map(|p| p.body.len()).sum();
        }
        while pages.bytes + body.len() > PAGE_BUDGET_BYTES {
            let Some(oldest) = pages
                .by_query
                .iter()
                .min_by_key(|(_, p)| p.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(evicted) = pages.by_query.remove(&oldest) {
                pages.bytes -= evicted.body.len();
            }
        }
        pages.bytes += body.len();
        pages.by_query.insert(
            query.into(),
            Page {
                version,
                moment,
                body,
                last_used: pages.clock,
            },
        );
    }

    /// The rendered rows of `snapshot`, rendering them if this snapshot has none yet.
    pub(crate) fn rows(&self, snapshot: &Snapshot) -> Result<Arc<RenderedRows>, askama::Error> {
        if let Some(rows) = self.rows.load_full()
            && rows.version() == snapshot.version()
        {
            return Ok(rows);
        }
        let fresh = Arc::new(RenderedRows::render(snapshot)?);
        // Two workers may render the same new snapshot at once; never go back to an older one.
        self.rows.rcu(|current| match current {
            Some(current) if current.version() >= fresh.version() => Some(Arc::clone(current)),
            _ => Some(Arc::clone(&fresh)),
        });
        Ok(fresh)
    }

    /// The anonymous listing rendered last, for the benchmark's ceiling.
    pub(crate) fn last_anonymous(&self) -> Option<Bytes> {
        self.last_anonymous.load_full().map(|body| (*body).clone())
    }

    #[cfg(test)]
    fn kept(&self) -> (usize, usize) {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        (pages.by_query.len(), pages.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(age: &str) -> Moment {
        Moment {
            age: Some(age.to_owned()),
            banners: Vec::new(),
        }
    }

    fn body(len: usize) -> Bytes {
        Bytes::from(vec![b'x'; len])
    }

    #[test]
    fn a_page_is_served_only_for_its_snapshot_query_and_moment() {
        let cache = ListingCache::default();
        cache.keep_page("per_page=100", 7, moment("just now"), body(10));
        assert!(cache.page("per_page=100", 7, &moment("just now")).is_some());
        assert!(cache.page("per_page=100", 8, &moment("just now")).is_none());
        assert!(cache.page("per_page=50", 7, &moment("just now")).is_none());
        assert!(
            cache
                .page("per_page=100", 7, &moment("1 minute ago"))
                .is_none()
        );
        let stale = Moment {
            age: Some("just now".into()),
            banners: vec![Banner {
                kind: shared_ui::BannerKind::Stale,
                message: "Stale prices".into(),
            }],
        };
        assert!(cache.page("per_page=100", 7, &stale).is_none());
    }

    #[test]
    fn a_new_snapshot_drops_the_pages_of_the_old_one() {
        let cache = ListingCache::default();
        cache.keep_page("", 1, moment("just now"), body(10));
        cache.keep_page("page=2", 1, moment("just now"), body(10));
        cache.keep_page("", 2, moment("just now"), body(10));
        assert_eq!(cache.kept(), (1, 10));
    }

    #[test]
    fn the_pages_kept_never_exceed_the_budget() {
        let cache = ListingCache::default();
        let page = PAGE_BUDGET_BYTES / 10;
        for n in 0..100 {
            cache.keep_page(&format!("page={n}"), 1, moment("just now"), body(page));
            assert!(cache.kept().1 <= PAGE_BUDGET_BYTES);
        }
        // The most recent pages are the ones kept.
        assert!(cache.page("page=99", 1, &moment("just now")).is_some());
        assert!(cache.page("page=0", 1, &moment("just now")).is_none());
        let long = "q=".to_owned() + &"a".repeat(MAX_KEY_LEN);
        cache.keep_page(&long, 1, moment("just now"), body(10));
        assert!(cache.page(&long, 1, &moment("just now")).is_none());
    }

    #[test]
    fn the_ceiling_serves_the_last_anonymous_page() {
        let cache = ListingCache::default();
        assert!(cache.last_anonymous().is_none());
        cache.keep_page("", 1, moment("just now"), Bytes::from_static(b"<html>"));
        assert_eq!(cache.last_anonymous().as_deref(), Some(&b"<html>"[..]));
    }
}
