//! Which sentence to show, by name. The words live in `templates/copy.txt`, where marketing
//! edits them without touching Rust; the build checks that every case has its words.

use crate::market::ChartRange;
use crate::market::listing::SortKey;
use askama::Template;
use shared_ui::format::Trend;

#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    DemoBanner,
    NotLoadedBanner,
    /// Kept short: a banner takes one line on a phone.
    StaleBanner {
        as_of: String,
    },
    /// Under a chart drawn from stored prices because the month's chart calls are spent.
    ChartFromStoredPrices,
    /// A coin outside the ranked set whose figures could not be had.
    LongTailUnavailable {
        name: String,
    },
    ListingTitle,
    SearchTitle {
        term: String,
    },
    /// A listing title (`base`) with the sort when it is not the default, and the page after
    /// the first: "Cryptocurrency prices by 24h change, lowest first, page 2".
    ListingTitleWith {
        base: String,
        sort: Option<String>,
        page: Option<u32>,
    },
    /// A column as a sort order in a title.
    SortPhrase {
        key: SortKey,
        ascending: bool,
    },
    /// `symbol` upper-cased.
    CoinTitle {
        name: String,
        symbol: String,
    },
    /// The meta description of a coin page; amounts already formatted.
    CoinDescription {
        name: String,
        symbol: String,
        price: String,
        market_cap: String,
    },
    /// A coin page asked for before the first market snapshot.
    WaitingTitle,
    /// The watchlist's title and headline.
    WatchlistTitle,
    /// The coin page's button that adds the coin to the watchlist; other sentences name it.
    WatchButton,
    Column {
        key: SortKey,
    },
    AllTimeHigh,
    AllTimeLow,
    /// Today's price against an all-time extreme; `above` is `None` when they are equal.
    AllTimeDistance {
        percent: String,
        above: Option<bool>,
        high: bool,
    },
    /// Under a chart: its time zone, how often it has a point (`hourly`), and whether its
    /// extremes may differ from the 24h high and low.
    ChartNote {
        resolution: Option<String>,
        differs_from_day: bool,
    },
    /// `share` is already formatted (`92.8%`).
    SupplyShare {
        share: String,
    },
    RangePhrase {
        range: ChartRange,
    },
    /// A price chart told in words for screen readers; amounts already formatted.
    ChartSummary {
        name: String,
        over: String,
        first: String,
        last: String,
        direction: Trend,
        /// The size of the change without its sign (`10.00%`).
        change: String,
        high: String,
        high_at: String,
        low: String,
        low_at: String,
    },
    /// `given` is what the address held, already quoted and shortened.
    UnknownSort {
        given: String,
    },
    UnknownDirection {
        given: String,
    },
    BadPage {
        given: String,
    },
    BadPageSize {
        given: String,
    },
    SearchTooLong {
        max: usize,
    },
    UnknownRange {
        given: String,
    },
    Watched {
        name: String,
    },
    /// Which currency a page's prices are in; `rate` (already formatted, `€0.9200`) is what a
    /// dollar buys, absent for dollars.
    PricesIn {
        name: &'static str,
        label: &'static str,
        rate: Option<String>,
    },
    /// Prices are in `shown` because there is no rate yet for `asked`.
    NoRatesYet {
        asked: &'static str,
        shown: &'static str,
    },
    /// `given` is what the address held, already quoted and shortened.
    UnknownCurrency {
        given: String,
        shown: &'static str,
    },
    CurrencySaved {
        label: &'static str,
    },
    Unwatched {
        name: String,
    },
}

#[derive(Template)]
#[template(path = "copy.txt")]
struct TextTemplate<'a> {
    copy: &'a Text,
}

impl Text {
    /// The sentence, as marketing wrote it.
    pub fn text(&self) -> String {
        TextTemplate { copy: self }
            .render()
            .map(|t| t.trim().to_owned())
            .unwrap_or_else(|_| format!("{self:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_and_range_has_words() {
        for key in SortKey::ALL {
            // Rendered here, not through `text()`, whose fallback would hide a failure.
            let words = TextTemplate {
                copy: &Text::Column { key },
            }
            .render()
            .expect("renders");
            assert!(!words.trim().is_empty(), "{key:?}");
            assert!(!words.contains("Column"), "{key:?}: {words}");
        }
        for range in ChartRange::ALL {
            assert!(
                Text::RangePhrase { range }.text().starts_with("the last"),
                "{range:?}"
            );
        }
    }

    #[test]
    fn values_are_filled_in() {
        assert_eq!(
            Text::SearchTitle { term: "bit".into() }.text(),
            "Coins matching “bit”"
        );
        assert_eq!(
            Text::ListingTitleWith {
                base: "Cryptocurrency prices".into(),
                sort: Some(
                    Text::SortPhrase {
                        key: SortKey::Change24h,
                        ascending: true
                    }
                    .text()
                ),
                page: Some(2),
            }
            .text(),
            "Cryptocurrency prices by 24h change, lowest first, page 2"
        );
        assert_eq!(
            Text::ChartNote {
                resolution: Some("hourly".into()),
                differs_from_day: true
            }
            .text(),
            "Times are in UTC. Chart points are hourly, so the chart’s high and low can differ \
             from the 24h high and low under Market, which count every trade."
        );
        assert_eq!(
            Text::SupplyShare {
                share: "92.8%".into()
            }
            .text(),
            "92.8% of the maximum supply is in circulation"
        );
        let summary = Text::ChartSummary {
            name: "Bitcoin".into(),
            over: "the last 7 days".into(),
            first: "$100.00".into(),
            last: "$110.00".into(),
            direction: Trend::Up,
            change: "10.00%".into(),
            high: "$111.00".into(),
            high_at: "Nov 23".into(),
            low: "$99.00".into(),
            low_at: "Nov 18".into(),
        }
        .text();
        assert_eq!(
            summary,
            "Bitcoin over the last 7 days: from $100.00 to $110.00, up 10.00%. Highest $111.00 on Nov 23; lowest $99.00 on Nov 18."
        );
    }
}
