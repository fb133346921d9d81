//! `GET /`: the market overview: global figures and the coin table, sorted, paged and
//! searched by the query string.

use super::cache::{ListingCache, Moment};
use super::rows::{Marks, RenderedRows, render_row};
use super::shell::{self, Shell};
use crate::copy::Text;
use crate::feed::Feed;
use crate::logos::LogoIndex;
use crate::market::listing::{self, Direction, ListingQuery, PageSize, SortKey};
use crate::market::{Coin, CoinDirectory, GlobalFigures, GlobalScope, ListedCoin, Snapshot};
use crate::routes::Origin;
use crate::routes::as_of::AsOf;
use crate::routes::currency::PageCurrency;
use crate::watched::WatchedCoins;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chassis::AppError;
use chassis::compression::Precompressed;
use chassis::db::DbPool;
use chassis::ids::UserId;
use chassis::page::PageBuilder;
use chassis::session::Sessions;
use shared_ui::InCurrency;
use shared_ui::template_prelude::*;
use std::borrow::Cow;

#[derive(Template)]
#[template(path = "listing.html")]
pub(crate) struct ListingPage<'a> {
    ctx: PageContext,
    as_of: Option<AsOf>,
    /// The currency of the page's amounts, and the sentence that says which it is.
    cur: InCurrency,
    prices_in: String,
    global: GlobalFigures,
    /// Each row's cells, rendered from `partials/coin_row.html`.
    rows: Vec<Cow<'a, str>>,
    columns: Vec<Column>,
    query: ListingQuery,
    search: String,
    /// Query fields the search form carries along (sort, direction, page size).
    kept_fields: Vec<(&'static str, String)>,
    pagination: Pagination,
    page_sizes: Vec<PageSizeLink>,
    matches: usize,
    listed: usize,
    /// Search matches from the coin list outside the ranked set, shown after the ranked
    /// ones (on the last page of those), and how many there are in all.
    long_tail: Vec<ListedCoin>,
    long_tail_matches: usize,
    /// This page's address with its query in a fixed order, absolute; `None` when the site's
    /// address is not configured.
    canonical: Option<String>,
}

/// Long-tail matches shown at most: a search that finds more should be narrowed.
const LONG_TAIL_SHOWN: usize = 50;

impl ListingPage<'_> {
    fn whole_market(&self) -> bool {
        self.global.scope == GlobalScope::WholeMarket
    }

    /// Adds the coin list's matches outside the ranked set, when the page is the last of the
    /// ranked matches of a search.
    pub(crate) fn with_long_tail(mut self, directory: &CoinDirectory, snapshot: &Snapshot) -> Self {
        let Some(term) = &self.query.search else {
            return self;
        };
        if self.pagination.page < self.pagination.page_count {
            return self;
        }
        let (found, matched) = directory.search(
            term.needle(),
            |id| snapshot.coin(id).is_some(),
            LONG_TAIL_SHOWN,
        );
        self.long_tail = found.into_iter().cloned().collect();
        self.long_tail_matches = matched;
        self
    }
}

/// A column header: its label, and the link that sorts by it.
struct Column {
    label: String,
    class: &'static str,
    href: String,
    aria_sort: Option<&'static str>,
    arrow: &'static str,
}

struct PageSizeLink {
    size: u32,
    href: String,
    current: bool,
}

struct Pagination {
    page: u32,
    page_count: u32,
    previous: Option<String>,
    next: Option<String>,
    links: Vec<PageLink>,
}

/// A page number, or a gap (`…`) between numbers.
struct PageLink {
    number: Option<u32>,
    href: String,
    current: bool,
}

/// Each column and its CSS classes; the headings' words are in `templates/copy.txt`.
const COLUMNS: [(SortKey, &str); 9] = [
    (SortKey::Rank, "num"),
    (SortKey::Name, "name"),
    (SortKey::Price, "num"),
    (SortKey::Change1h, "num hide-small"),
    (SortKey::Change24h, "num"),
    (SortKey::Change7d, "num"),
    (SortKey::MarketCap, "num"),
    (SortKey::Volume, "num hide-small"),
    (SortKey::Supply, "num hide-small"),
];

pub async fn listing_page(
    req: HttpRequest,
    page: PageBuilder,
    feed: web::Data<Feed>,
    cache: web::Data<ListingCache>,
    pool: web::Data<DbPool>,
    watched: web::Data<WatchedCoins>,
    origin: web::Data<Origin>,
) -> Result<HttpResponse, AppError> {
    let snapshot = feed.live().snapshot();
    let raw_query = req.query_string();
    let currency = PageCurrency::of(&req, &feed, &pool, page.identity().map(|i| i.user_id)).await;
    // Pages in dollars without a one-time message are the same for every anonymous visitor,
    // and the same but for a name, a token and marks for every signed-in one (see `cache`).
    // Pages in other currencies are rendered each time: correct at any rate, and rarer.
    let moment = (!page.has_flash() && currency.is_default()).then(|| {
        let logos = feed.logos().index().generation();
        Moment::new(
            &snapshot,
            page.banners(),
            shared_ui::format::now_unix(),
            logos,
        )
    });
    let anonymous = page.identity().is_none();
    if let (Some(moment), true) = (&moment, anonymous)
        && let Some(kept) = cache.page(raw_query, snapshot.version(), moment)
    {
        let mut response = html(&req, &kept);
        currency.remember(&req, &mut response);
        return Ok(response);
    }
    let query = ListingQuery::parse(raw_query).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let directory = feed.directory();
    let mut ctx = page.context(title(&query), Nav::Coins);
    currency.fill(&mut ctx, &req);
    if moment.is_none() && !currency.is_default() {
        let marks = match page.identity() {
            Some(identity) => {
                let user = UserId(identity.user_id);
                watchlist_marks(&req, &watched, &pool, &snapshot, user).await
            }
            None => Marks::none(),
        };
        let logos = feed.logos().index();
        let listing = ListingPage::new(ctx, &snapshot, query, currency.cur, &marks, logos)
            .with_long_tail(&directory, &snapshot)
            .with_canonical(&origin);
        let mut response = HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(listing.render()?);
        currency.remember(&req, &mut response);
        return Ok(response);
    }
    let rows = cache.rows(&snapshot, feed.logos().index())?;
    if let Some(identity) = page.identity() {
        let user = UserId(identity.user_id);
        let marks = watchlist_marks(&req, &watched, &pool, &snapshot, user).await;
        let name = identity.display_name.clone();
        let token = std::mem::take(&mut ctx.csrf_token);
        let shell = match &moment {
            Some(moment) => match cache.shell(raw_query, snapshot.version(), moment) {
                Some(shell) => Some(shell),
                None => {
                    let marked = shell::marked_context(ctx.clone());
                    let listing = ListingPage::shell(marked, &snapshot, query.clone(), &rows)
                        .with_long_tail(&directory, &snapshot)
                        .with_canonical(&origin);
                    Shell::parse(&listing.render()?).map(|shell| {
                        cache.keep_shell(raw_query, snapshot.version(), moment.clone(), shell)
                    })
                }
            },
            None => None,
        };
        let body = match shell {
            Some(shell) => shell.fill(&name, &token, &rows, &marks)?,
            None => {
                ctx.csrf_token = token;
                let listing = ListingPage::with_rows(ctx, &snapshot, query, &rows, &marks)
                    .with_long_tail(&directory, &snapshot)
                    .with_canonical(&origin);
                listing.render()?
            }
        };
        let mut response = HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body);
        currency.remember(&req, &mut response);
        return Ok(response);
    }
    if moment.is_some() {
        // A kept page is served to others: it must hold no session's token.
        ctx.csrf_token.clear();
    }
    let listing = ListingPage::with_rows(ctx, &snapshot, query, &rows, &Marks::none())
        .with_long_tail(&directory, &snapshot)
        .with_canonical(&origin);
    let mut out = String::with_capacity(listing.estimated_len());
    listing.render_into(&mut out)?;
    let body = Bytes::from(out);
    let mut response = match moment {
        Some(moment) => {
            let kept = cache.keep_page(raw_query, snapshot.version(), moment, body);
            html(&req, &kept)
        }
        None => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body),
    };
    currency.remember(&req, &mut response);
    Ok(response)
}

/// A kept page, in the encoding the client prefers.
pub(crate) fn html(req: &HttpRequest, page: &Precompressed) -> HttpResponse {
    let mut builder = HttpResponse::Ok();
    builder.content_type("text/html; charset=utf-8");
    page.respond(req, builder)
}

/// The viewer's watched coins as marks. The listing shows without them rather than fail
/// when the database does not answer: prices come from memory and should stay up.
async fn watchlist_marks(
    req: &HttpRequest,
    watched: &WatchedCoins,
    pool: &DbPool,
    snapshot: &Snapshot,
    user: UserId,
) -> Marks {
    // The worker's own handle on the session store (see `chassis::server`).
    let Some(sessions) = req.app_data::<web::Data<Sessions>>() else {
        log::error!("listing shown without watchlist marks: no session store handle");
        return Marks::none();
    };
    match watched.of(user, sessions, pool).await {
        Ok(ids) => Marks::of(snapshot, &ids),
        Err(err) => {
            log::warn!("listing shown without watchlist marks: {err}");
            Marks::none()
        }
    }
}

/// The page title: the search when there is one, the order when it is not by rank, and the
/// page after the first.
pub(crate) fn title(query: &ListingQuery) -> String {
    let base = match &query.search {
        Some(term) => Text::SearchTitle {
            term: term.as_typed().to_owned(),
        }
        .text(),
        None => Text::ListingTitle.text(),
    };
    let by_rank =
        query.sort == SortKey::Rank && query.direction == SortKey::Rank.natural_direction();
    Text::ListingTitleWith {
        base,
        sort: (!by_rank).then(|| {
            Text::SortPhrase {
                key: query.sort,
                ascending: query.direction == Direction::Asc,
            }
            .text()
        }),
        page: (query.page > 1).then_some(query.page),
    }
    .text()
}

impl<'a> ListingPage<'a> {
    /// The page for `query` over `snapshot` in `cur`, every row rendered afresh and marked
    /// where `marks` says (pages in other currencies than dollars, and the gallery).
    pub(crate) fn new(
        ctx: PageContext,
        snapshot: &'a Snapshot,
        query: ListingQuery,
        cur: InCurrency,
        marks: &Marks,
        logos: &LogoIndex,
    ) -> Self {
        Self::build(ctx, snapshot, query, cur, |coin| {
            let watched = snapshot
                .index_of(&coin.id)
                .is_some_and(|i| marks.is_marked(i));
            let logo = logos.of(&coin.id);
            Cow::Owned(render_row(coin, watched, cur, logo).unwrap_or_default())
        })
    }

    /// The page for `query` over `snapshot` with the rows of `rendered`, which must be of the
    /// same snapshot, marked where `marks` says (the handler).
    pub(crate) fn with_rows(
        ctx: PageContext,
        snapshot: &'a Snapshot,
        query: ListingQuery,
        rendered: &'a RenderedRows,
        marks: &Marks,
    ) -> Self {
        Self::build(ctx, snapshot, query, InCurrency::USD, |coin| {
            let index = snapshot.index_of(&coin.id);
            match index.and_then(|i| rendered.get(i, marks.is_marked(i))) {
                Some(cells) => Cow::Borrowed(cells),
                // A long-tail coin, never in the snapshot: no logo is fetched for it.
                None => {
                    Cow::Owned(render_row(coin, false, InCurrency::USD, None).unwrap_or_default())
                }
            }
        })
    }

    /// The page for `query` over `snapshot` with a marker in place of each row, for a
    /// signed-in [`Shell`].
    pub(crate) fn shell(
        ctx: PageContext,
        snapshot: &'a Snapshot,
        query: ListingQuery,
        rendered: &'a RenderedRows,
    ) -> Self {
        Self::build(
            ctx,
            snapshot,
            query,
            InCurrency::USD,
            |coin| match snapshot.index_of(&coin.id) {
                Some(index) if rendered.get(index, false).is_some() => {
                    Cow::Owned(shell::row_marker(index))
                }
                _ => Cow::Owned(render_row(coin, false, InCurrency::USD, None).unwrap_or_default()),
            },
        )
    }

    /// The page with its canonical address, when the site's address is known.
    fn with_canonical(mut self, origin: &Origin) -> Self {
        self.canonical = origin.url(&self.query.page_href(self.pagination.page));
        self
    }

    /// About how long the page is, so that it renders into one allocation.
    fn estimated_len(&self) -> usize {
        self.rows.iter().map(|r| r.len() + 16).sum::<usize>() + 16 * 1024
    }

    fn build(
        ctx: PageContext,
        snapshot: &'a Snapshot,
        query: ListingQuery,
        cur: InCurrency,
        row: impl Fn(&'a Coin) -> Cow<'a, str>,
    ) -> Self {
        let selection = listing::select(snapshot, &query);
        let columns = COLUMNS
            .iter()
            .map(|&(key, class)| Column {
                label: Text::Column { key }.text(),
                class,
                href: query.sort_href(key),
                aria_sort: query.aria_sort(key),
                arrow: match (query.sort == key).then_some(query.direction) {
                    Some(Direction::Asc) => "▲",
                    Some(Direction::Desc) => "▼",
                    None => "",
                },
            })
            .collect();
        Self {
            ctx,
            as_of: snapshot.as_of().map(AsOf::new),
            cur,
            prices_in: crate::routes::currency::prices_in(cur),
            global: snapshot.global().clone(),
            rows: selection.coins.iter().map(|&c| row(c)).collect(),
            columns,
            search: query
                .search
                .as_ref()
                .map(|s| s.as_typed().to_owned())
                .unwrap_or_default(),
            kept_fields: kept_fields(&query),
            pagination: pagination(&query, selection.page, selection.page_count),
            page_sizes: PageSize::CHOICES
                .iter()
                .map(|&size| PageSizeLink {
                    size,
                    href: query.page_size_href(size),
                    current: query.page_size.get() == size,
                })
                .collect(),
            matches: selection.matches,
            listed: snapshot.coins().len(),
            long_tail: Vec::new(),
            long_tail_matches: 0,
            canonical: None,
            query,
        }
    }
}

/// The sort and page size, as hidden fields of the search form, when not the defaults.
fn kept_fields(query: &ListingQuery) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    if query.sort != SortKey::Rank {
        fields.push(("sort", query.sort.as_str().to_owned()));
    }
    if query.direction != query.sort.natural_direction() {
        fields.push(("dir", query.direction.as_str().to_owned()));
    }
    if query.page_size != PageSize::DEFAULT {
        fields.push(("per_page", query.page_size.get().to_string()));
    }
    fields
}

/// Links to the first and last pages and those around the current one, with gaps between.
fn pagination(query: &ListingQuery, page: u32, page_count: u32) -> Pagination {
    let mut links = Vec::new();
    let mut last_shown = 0;
    for n in 1..=page_count {
        let near = n.abs_diff(page) <= 2;
        if n == 1 || n == page_count || near {
            if n > last_shown + 1 {
                links.push(PageLink {
                    number: None,
                    href: String::new(),
                    current: false,
                });
            }
            links.push(PageLink {
                number: Some(n),
                href: query.page_href(n),
                current: n == page,
            });
            last_shown = n;
        }
    }
    Pagination {
        page,
        page_count,
        previous: (page > 1).then(|| query.page_href(page - 1)),
        next: (page < page_count).then(|| query.page_href(page + 1)),
        links,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_follow_the_search_the_order_and_the_page() {
        let t = |raw: &str| title(&ListingQuery::parse(raw).expect("a query"));
        assert_eq!(t(""), "Cryptocurrency prices");
        assert_eq!(t("page=3"), "Cryptocurrency prices, page 3");
        assert_eq!(
            t("sort=change_24h&dir=asc"),
            "Cryptocurrency prices by 24h change, lowest first"
        );
        assert_eq!(
            t("q=bit&sort=name&page=2"),
            "Coins matching “bit” by name, A to Z, page 2"
        );
        assert_eq!(
            t("sort=rank&dir=desc"),
            "Cryptocurrency prices by rank, from the lowest ranked"
        );
    }
}
