//! The coin table's view of the snapshot: which coins match a search, in which order, on
//! which page. Everything a visitor can choose lives in the query string, parsed here once:
//! a malformed value is refused by name, a page past the end shows the last page (the data
//! changes under a shared link, so that is not the visitor's fault).

use super::{Coin, Needle, Snapshot};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Rank,
    Name,
    Price,
    Change1h,
    Change24h,
    Change7d,
    MarketCap,
    Volume,
    Supply,
}

impl SortKey {
    pub const ALL: [Self; 9] = [
        Self::Rank,
        Self::Name,
        Self::Price,
        Self::Change1h,
        Self::Change24h,
        Self::Change7d,
        Self::MarketCap,
        Self::Volume,
        Self::Supply,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Rank => "rank",
            Self::Name => "name",
            Self::Price => "price",
            Self::Change1h => "change_1h",
            Self::Change24h => "change_24h",
            Self::Change7d => "change_7d",
            Self::MarketCap => "market_cap",
            Self::Volume => "volume",
            Self::Supply => "supply",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The direction a first click on the column sorts in: ranks and names ascending,
    /// figures largest first.
    pub fn natural_direction(&self) -> Direction {
        match self {
            Self::Rank | Self::Name => Direction::Asc,
            _ => Direction::Desc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }

    pub fn reversed(&self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }

    /// The `aria-sort` value of a column sorted this way.
    pub fn aria(&self) -> &'static str {
        match self {
            Self::Asc => "ascending",
            Self::Desc => "descending",
        }
    }
}

/// Coins per page: 50 or 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    pub const CHOICES: [u32; 2] = [50, 100];
    pub const DEFAULT: Self = Self(50);

    fn parse(raw: &str) -> Option<Self> {
        let n: u32 = raw.parse().ok()?;
        Self::CHOICES.contains(&n).then_some(Self(n))
    }

    pub fn get(&self) -> u32 {
        self.0
    }
}

/// A search term: trimmed, lower-case, 1 to 50 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// As typed (trimmed), for the search box.
    typed: String,
    needle: Needle,
}

impl SearchTerm {
    pub const MAX_CHARS: usize = 50;

    pub fn as_typed(&self) -> &str {
        &self.typed
    }

    pub fn needle(&self) -> &Needle {
        &self.needle
    }
}

/// Why a listing URL could not be understood; each names the parameter and what it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingQueryError {
    UnknownSort(String),
    UnknownDirection(String),
    BadPage(String),
    BadPageSize(String),
    SearchTooLong,
}

impl std::fmt::Display for ListingQueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::copy::Text;
        let given = |raw: &String| format!("{raw:?}");
        let copy = match self {
            Self::UnknownSort(raw) => Text::UnknownSort { given: given(raw) },
            Self::UnknownDirection(raw) => Text::UnknownDirection { given: given(raw) },
            Self::BadPage(raw) => Text::BadPage { given: given(raw) },
            Self::BadPageSize(raw) => Text::BadPageSize { given: given(raw) },
            Self::SearchTooLong => Text::SearchTooLong {
                max: SearchTerm::MAX_CHARS,
            },
        };
        f.write_str(&copy.text())
    }
}

impl std::error::Error for ListingQueryError {}

/// What a visitor asked of the coin table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingQuery {
    pub sort: SortKey,
    pub direction: Direction,
    /// From 1.
    pub page: u32,
    pub page_size: PageSize,
    pub search: Option<SearchTerm>,
}

impl Default for ListingQuery {
    fn default() -> Self {
        Self {
            sort: SortKey::Rank,
            direction: Direction::Asc,
            page: 1,
            page_size: PageSize::DEFAULT,
            search: None,
        }
    }
}

impl ListingQuery {
    /// Parses `sort`, `dir`, `page`, `per_page` and `q` from a query string. Empty values
    /// count as absent and other parameters are ignored (links carry tracking tags).
    pub fn parse(query_string: &str) -> Result<Self, ListingQueryError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query_string).unwrap_or_default();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim())
        };
        let mut query = Self::default();
        if let Some(raw) = get("sort") {
            query.sort =
                SortKey::parse(raw).ok_or_else(|| ListingQueryError::UnknownSort(clip(raw)))?;
        }
        query.direction = match get("dir") {
            None => query.sort.natural_direction(),
            Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            Some(other) => return Err(ListingQueryError::UnknownDirection(clip(other))),
        };
        if let Some(raw) = get("page") {
            query.page = raw
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| ListingQueryError::BadPage(clip(raw)))?;
        }
        if let Some(raw) = get("per_page") {
            query.page_size =
                PageSize::parse(raw).ok_or_else(|| ListingQueryError::BadPageSize(clip(raw)))?;
        }
        if let Some(raw) = get("q") {
            if raw.chars().count() > SearchTerm::MAX_CHARS {
                return Err(ListingQueryError::SearchTooLong);
            }
            let typed: String = raw.chars().filter(|c| !c.is_control()).collect();
            query.search = Needle::new(&typed).map(|needle| SearchTerm { typed, needle });
        }
        Ok(query)
    }

    /// The canonical query string of this view with `change` applied, `?`-prefixed, leaving
    /// out defaults (so the plain listing is just `/`).
    pub fn href(&self, change: impl FnOnce(&mut Self)) -> String {
        let mut target = self.clone();
        change(&mut target);
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(search) = &target.search {
            pairs.push(("q", search.typed.clone()));
        }
        if target.sort != SortKey::Rank {
            pairs.push(("sort", target.sort.as_str().to_owned()));
        }
        if target.direction != target.sort.natural_direction() {
            pairs.push(("dir", target.direction.as_str().to_owned()));
        }
        if target.page_size != PageSize::DEFAULT {
            pairs.push(("per_page", target.page_size.get().to_string()));
        }
        if target.page != 1 {
            pairs.push(("page", target.page.to_string()));
        }
        match serde_urlencoded::to_string(&pairs) {
            Ok(q) if !q.is_empty() => format!("/?{q}"),
            _ => "/".to_owned(),
        }
    }

    /// The link of a column header: the other direction if the table is sorted by it,
    /// else the column's natural direction; always back to page 1.
    pub fn sort_href(&self, key: SortKey) -> String {
        self.href(|q| {
            q.direction = if q.sort == key {
                q.direction.reversed()
            } else {
                key.natural_direction()
            };
            q.sort = key;
            q.page = 1;
        })
    }

    pub fn page_href(&self, page: u32) -> String {
        self.href(|q| q.page = page)
    }

    pub fn page_size_href(&self, size: u32) -> String {
        self.href(|q| {
            q.page_size = PageSize::parse(&size.to_string()).unwrap_or(PageSize::DEFAULT);
            q.page = 1;
        })
    }

    /// The `aria-sort` of a column: set on the sorted one only.
    pub fn aria_sort(&self, key: SortKey) -> Option<&'static str> {
        (self.sort == key).then(|| self.direction.aria())
    }
}

/// Echo at most a short prefix of a bad value back to the visitor.
fn clip(raw: &str) -> String {
    raw.chars().take(30).collect()
}

/// One page of the coin table.
#[derive(Debug)]
pub struct ListingPage<'a> {
    pub coins: Vec<&'a Coin>,
    /// The page shown, from 1 (the last page when the one asked for is past the end).
    pub page: u32,
    pub page_count: u32,
    /// Coins matching the search, over all pages.
    pub matches: usize,
}

/// The coins of `snapshot` that `query` asks for. A search in the default order lists the
/// best matches first (see [`Needle`]), in rank order among equals.
pub fn select<'a>(snapshot: &'a Snapshot, query: &ListingQuery) -> ListingPage<'a> {
    let mut coins: Vec<&Coin> = match &query.search {
        Some(term) => {
            let mut found: Vec<_> = snapshot
                .coins()
                .iter()
                .filter_map(|c| {
                    term.needle
                        .quality(c.id.as_str(), &c.symbol, &c.name)
                        .map(|q| (q, c))
                })
                .collect();
            if query.sort == SortKey::Rank && query.direction == Direction::Asc {
                found.sort_by_key(|(quality, _)| *quality);
            }
            found.into_iter().map(|(_, c)| c).collect()
        }
        None => snapshot.coins().iter().collect(),
    };
    // A stable sort over the snapshot's rank order: ties keep rank order in both directions.
    // (By relevance, a search is already in order.)
    let by_relevance =
        query.search.is_some() && query.sort == SortKey::Rank && query.direction == Direction::Asc;
    if !by_relevance {
        coins.sort_by(|a, b| compare(a, b, query.sort, query.direction));
    }
    let matches = coins.len();
    let size = query.page_size.get() as usize;
    let page_count = u32::try_from(matches.div_ceil(size).max(1)).unwrap_or(u32::MAX);
    let page = query.page.min(page_count);
    let start = (page as usize - 1) * size;
    let coins = coins.into_iter().skip(start).take(size).collect();
    ListingPage {
        coins,
        page,
        page_count,
        matches,
    }
}

/// Orders two coins by `key`. A missing figure sorts last whichever the direction, so a
/// column of dashes never crowds out the coins that have the figure.
fn compare(a: &Coin, b: &Coin, key: SortKey, direction: Direction) -> Ordering {
    let ordered = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => {
            let ord = x.total_cmp(&y);
            if direction == Direction::Desc {
                ord.reverse()
            } else {
                ord
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match key {
        SortKey::Rank => ordered(a.rank.map(f64::from), b.rank.map(f64::from)),
        SortKey::Name => {
            let ord = a.name.to_lowercase().cmp(&b.name.to_lowercase());
            if direction == Direction::Desc {
                ord.reverse()
            } else {
                ord
            }
        }
        SortKey::Price => ordered(a.price, b.price),
        SortKey::Change1h => ordered(a.change_1h, b.change_1h),
        SortKey::Change24h => ordered(a.change_24h, b.change_24h),
        SortKey::Change7d => ordered(a.change_7d, b.change_7d),
        SortKey::MarketCap => ordered(a.market_cap, b.market_cap),
        SortKey::Volume => ordered(a.volume_24h, b.volume_24h),
        SortKey::Supply => ordered(a.circulating_supply, b.circulating_supply),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::coin::sample;
    use crate::market::{MarketData, SourceKind};

    fn snapshot(n: u32) -> Snapshot {
        let coins = (1..=n)
            .map(|i| {
                let mut c = sample(&format!("coin{i}"));
                c.rank = Some(i);
                c.name = format!("Coin {i}");
                c.price = (i % 10 != 0).then(|| f64::from(i));
                c
            })
            .collect();
        Snapshot::new(1, SourceKind::Demo, MarketData::new(coins, None, 0))
    }

    fn ids(page: &ListingPage<'_>) -> Vec<String> {
        page.coins.iter().map(|c| c.id.to_string()).collect()
    }

    #[test]
    fn the_plain_listing_is_rank_order_fifty_a_page() {
        let q = ListingQuery::parse("").expect("valid");
        assert_eq!(q, ListingQuery::default());
        let s = snapshot(120);
        let page = select(&s, &q);
        assert_eq!(page.coins.len(), 50);
        assert_eq!(page.page_count, 3);
        assert_eq!(page.coins[0].id.as_str(), "coin1");
    }

    #[test]
    fn a_page_past_the_end_shows_the_last_page() {
        let s = snapshot(120);
        let page = select(
            &s,
            &ListingQuery::parse("page=99&per_page=100").expect("valid"),
        );
        assert_eq!(page.page, 2);
        assert_eq!(ids(&page).len(), 20);
    }

    #[test]
    fn missing_figures_sort_last_in_both_directions() {
        let s = snapshot(20);
        for dir in ["asc", "desc"] {
            let page = select(
                &s,
                &ListingQuery::parse(&format!("sort=price&dir={dir}")).expect("valid"),
            );
            let last_two = &ids(&page)[18..];
            assert_eq!(last_two, ["coin10", "coin20"], "{dir}");
        }
        let page = select(&s, &ListingQuery::parse("sort=price").expect("valid"));
        assert_eq!(
            page.coins[0].id.as_str(),
            "coin19",
            "figures sort largest first by default"
        );
    }

    #[test]
    fn search_matches_case_insensitively_and_pages_over_the_matches() {
        let s = snapshot(120);
        let page = select(
            &s,
            &ListingQuery::parse("q=%20COIN%2011%20").expect("valid"),
        );
        assert_eq!(
            ids(&page),
            [
                "coin11", "coin110", "coin111", "coin112", "coin113", "coin114", "coin115",
                "coin116", "coin117", "coin118", "coin119"
            ]
        );
        assert_eq!(page.matches, 11);
        let none = select(&s, &ListingQuery::parse("q=zzz").expect("valid"));
        assert_eq!((none.matches, none.page, none.page_count), (0, 1, 1));
    }

    #[test]
    fn malformed_values_are_refused_by_name() {
        for (qs, err) in [
            (
                "sort=colour",
                ListingQueryError::UnknownSort("colour".into()),
            ),
            ("dir=up", ListingQueryError::UnknownDirection("up".into())),
            ("page=0", ListingQueryError::BadPage("0".into())),
            ("page=-1", ListingQueryError::BadPage("-1".into())),
            (
                "page=99999999999",
                ListingQueryError::BadPage("99999999999".into()),
            ),
            (
                "per_page=10000",
                ListingQueryError::BadPageSize("10000".into()),
            ),
            ("per_page=20", ListingQueryError::BadPageSize("20".into())),
        ] {
            assert_eq!(ListingQuery::parse(qs), Err(err), "{qs}");
        }
        assert_eq!(
            ListingQuery::parse(&format!("q={}", "x".repeat(51))),
            Err(ListingQueryError::SearchTooLong)
        );
        assert!(ListingQuery::parse("utm_source=news&sort=&page=").is_ok());
    }

    #[test]
    fn links_keep_the_view_and_leave_out_defaults() {
        let q = ListingQuery::parse("q=a%26b&sort=price&per_page=100&page=2").expect("valid");
        assert_eq!(q.page_href(3), "/?q=a%26b&sort=price&per_page=100&page=3");
        assert_eq!(
            q.sort_href(SortKey::Price),
            "/?q=a%26b&sort=price&dir=asc&per_page=100"
        );
        assert_eq!(
            q.sort_href(SortKey::Name),
            "/?q=a%26b&sort=name&per_page=100"
        );
        assert_eq!(ListingQuery::default().href(|_| {}), "/");
        assert_eq!(q.aria_sort(SortKey::Price), Some("descending"));
        assert_eq!(q.aria_sort(SortKey::Rank), None);
    }
}
