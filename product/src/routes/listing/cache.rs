//! Render once, serve many: the listing as anonymous visitors see it, kept whole per address
//! in every encoding, the shell of the listing as signed-in viewers see it (see [`super::shell`]),
//! and the rendered rows of the current snapshot for everyone.
//!
//! An anonymous listing is the same bytes for every visitor until one of three things moves:
//! the market snapshot (its version), the query string (which also names the page in the
//! login link), and the clock, which shows only in the relative age of the prices ("5 minutes
//! ago") and in the banners (the stale warning). A page is kept with all three and served
//! while all three still match. Pages for a signed-in viewer, or with a one-time message, are
//! never kept whole: they carry a name, a CSRF token or marks that belong to one person. What
//! is kept for them is the shell, with those parts left out.
//!
//! Memory is bounded: pages of older snapshots are dropped first, then the least recently used,
//! so the cache never holds more than [`PAGE_BUDGET_BYTES`] of pages (their compressed copies
//! counted too) and as much again of shells.

use super::rows::RenderedRows;
use super::shell::Shell;
use crate::logos::LogoIndex;
use crate::market::Snapshot;
use actix_web::web::Bytes;
use arc_swap::ArcSwapOption;
use chassis::compression::{Effort, Precompressed};
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
    /// The logo index's generation: a logo that arrives changes the page without a new
    /// snapshot.
    pub(crate) logos: u64,
}

impl Moment {
    pub(crate) fn new(snapshot: &Snapshot, banners: &[Banner], now: i64, logos: u64) -> Self {
        Self {
            age: snapshot
                .as_of()
                .map(|as_of| shared_ui::format::relative_time(as_of, now)),
            banners: banners.to_vec(),
            logos,
        }
    }
}

struct Entry<T> {
    version: u64,
    moment: Moment,
    value: Arc<T>,
    weight: usize,
    last_used: u64,
}

/// Things kept by query string, for one snapshot and moment each, within a byte budget.
struct Kept<T> {
    by_query: HashMap<Box<str>, Entry<T>>,
    bytes: usize,
    clock: u64,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Self {
            by_query: HashMap::new(),
            bytes: 0,
            clock: 0,
        }
    }
}

impl<T> Kept<T> {
    fn get(&mut self, query: &str, version: u64, moment: &Moment) -> Option<Arc<T>> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.by_query.get_mut(query)?;
        if entry.version != version || entry.moment != *moment {
            return None;
        }
        entry.last_used = clock;
        Some(Arc::clone(&entry.value))
    }

    fn keep(&mut self, query: &str, version: u64, moment: Moment, value: Arc<T>, weight: usize) {
        if query.len() > MAX_KEY_LEN || weight > PAGE_BUDGET_BYTES / 4 {
            return;
        }
        self.clock += 1;
        if let Some(old) = self.by_query.remove(query) {
            self.bytes -= old.weight;
        }
        // What was kept for older snapshots will never be served again.
        if self.by_query.values().any(|e| e.version < version) {
            self.by_query.retain(|_, e| e.version >= version);
            self.bytes = self.by_query.values().map(|e| e.weight).sum();
        }
        while self.bytes + weight > PAGE_BUDGET_BYTES {
            let Some(oldest) = self
                .by_query
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(evicted) = self.by_query.remove(&oldest) {
                self.bytes -= evicted.weight;
            }
        }
        self.bytes += weight;
        self.by_query.insert(
            query.into(),
            Entry {
                version,
                moment,
                value,
                weight,
                last_used: self.clock,
            },
        );
    }
}

/// What a page costs the budget: the plain bytes and, made on first request, its gzip and
/// brotli copies (together well under a third of the plain page).
fn page_weight(plain: usize) -> usize {
    plain + plain / 3
}

#[derive(Default)]
pub(crate) struct ListingCache {
    pages: Mutex<Kept<Precompressed>>,
    shells: Mutex<Kept<Shell>>,
    rows: ArcSwapOption<RenderedRows>,
    /// The anonymous listing rendered last: what the benchmark's ceiling serves.
    last_anonymous: ArcSwapOption<Bytes>,
}

impl ListingCache {
    /// The anonymous page for `query`, if one was kept for this snapshot and moment.
    pub(crate) fn page(
        &self,
        query: &str,
        version: u64,
        moment: &Moment,
    ) -> Option<Arc<Precompressed>> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(query, version, moment)
    }

    /// Keeps an anonymous page, replacing what `query` had, within the budget, and returns it
    /// ready to be served in any encoding.
    pub(crate) fn keep_page(
        &self,
        query: &str,
        version: u64,
        moment: Moment,
        body: Bytes,
    ) -> Arc<Precompressed> {
        self.last_anonymous.store(Some(Arc::new(body.clone())));
        let weight = page_weight(body.len());
        let page = Arc::new(Precompressed::new(body, Effort::Fast));
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.keep(query, version, moment, Arc::clone(&page), weight);
        page
    }

    /// The signed-in shell for `query`, if one was kept for this snapshot and moment.
    pub(crate) fn shell(&self, query: &str, version: u64, moment: &Moment) -> Option<Arc<Shell>> {
        let mut shells = self.shells.lock().unwrap_or_else(|e| e.into_inner());
        shells.get(query, version, moment)
    }

    pub(crate) fn keep_shell(
        &self,
        query: &str,
        version: u64,
        moment: Moment,
        shell: Shell,
    ) -> Arc<Shell> {
        let weight = shell.weight();
        let shell = Arc::new(shell);
        let mut shells = self.shells.lock().unwrap_or_else(|e| e.into_inner());
        shells.keep(query, version, moment, Arc::clone(&shell), weight);
        shell
    }
    /// The rendered rows of `snapshot` with the current logos, rendering them if these have
    /// none yet.
    pub(crate) fn rows(
        &self,
        snapshot: &Snapshot,
        logos: &LogoIndex,
    ) -> Result<Arc<RenderedRows>, askama::Error> {
        if let Some(rows) = self.rows.load_full()
            && rows.rendered_from() == (snapshot.version(), logos.generation())
        {
            return Ok(rows);
        }
        let fresh = Arc::new(RenderedRows::render(snapshot, logos)?);
        // Two workers may render the same new snapshot at once; never go back to an older one.
        self.rows.rcu(|current| match current {
            Some(current) if current.rendered_from() >= fresh.rendered_from() => {
                Some(Arc::clone(current))
            }
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
            logos: 0,
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
            logos: 0,
        };
        assert!(cache.page("per_page=100", 7, &stale).is_none());
        let with_a_new_logo = Moment {
            logos: 1,
            ..moment("just now")
        };
        assert!(
            cache.page("per_page=100", 7, &with_a_new_logo).is_none(),
            "a logo that arrived changes the page"
        );
    }

    #[test]
    fn a_new_snapshot_drops_the_pages_of_the_old_one() {
        let cache = ListingCache::default();
        cache.keep_page("", 1, moment("just now"), body(10));
        cache.keep_page("page=2", 1, moment("just now"), body(10));
        cache.keep_page("", 2, moment("just now"), body(10));
        assert_eq!(cache.kept(), (1, page_weight(10)));
    }

    #[test]
    fn the_pages_kept_never_exceed_the_budget() {
        let cache = ListingCache::default();
        let page = PAGE_BUDGET_BYTES / 14;
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
