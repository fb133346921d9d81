//! `GET /`: the market overview: global figures and the coin table, sorted, paged and
//! searched by the query string.

use crate::copy::Copy;
use crate::feed::Feed;
use crate::market::listing::{self, ListingQuery, PageSize, SortKey};
use crate::market::{GlobalFigures, GlobalScope, Snapshot};
use crate::routes::as_of::AsOf;
use crate::routes::coin_table::CoinRow;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chassis::AppError;
use chassis::page::{PageBuilder, render};
use shared_ui::template_prelude::*;

#[derive(Template)]
#[template(path = "listing.html")]
pub(crate) struct ListingPage<'a> {
    ctx: PageContext,
    as_of: Option<AsOf>,
    global: GlobalFigures,
    rows: Vec<CoinRow<'a>>,
    columns: Vec<Column>,
    query: ListingQuery,
    search: String,
    /// Query fields the search form carries along (sort, direction, page size).
    kept_fields: Vec<(&'static str, String)>,
    pagination: Pagination,
    page_sizes: Vec<PageSizeLink>,
    matches: usize,
    listed: usize,
}

impl ListingPage<'_> {
    fn whole_market(&self) -> bool {
        self.global.scope == GlobalScope::WholeMarket
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
) -> Result<HttpResponse, AppError> {
    let query =
        ListingQuery::parse(req.query_string()).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let snapshot = feed.live().snapshot();
    let ctx = page.context(title(&query), Nav::Coins);
    render(&ListingPage::new(ctx, &snapshot, query))
}

/// The page title: the search when there is one.
pub(crate) fn title(query: &ListingQuery) -> String {
    match &query.search {
        Some(term) => Copy::SearchTitle {
            term: term.as_typed().to_owned(),
        }
        .text(),
        None => Copy::ListingTitle.text(),
    }
}

impl<'a> ListingPage<'a> {
    /// The page for `query` over `snapshot`; the handler and the gallery both build it here.
    pub(crate) fn new(ctx: PageContext, snapshot: &'a Snapshot, query: ListingQuery) -> Self {
        let selection = listing::select(snapshot, &query);
        let columns = COLUMNS
            .iter()
            .map(|&(key, class)| Column {
                label: Copy::Column { key }.text(),
                class,
                href: query.sort_href(key),
                aria_sort: query.aria_sort(key),
                arrow: match query.aria_sort(key) {
                    Some("ascending") => "▲",
                    Some(_) => "▼",
                    None => "",
                },
            })
            .collect();
        Self {
            ctx,
            as_of: snapshot.as_of().map(AsOf::new),
            global: snapshot.global().clone(),
            rows: selection.coins.iter().map(|c| CoinRow::new(c)).collect(),
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
