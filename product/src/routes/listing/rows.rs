//! The listing's table rows, rendered once per market snapshot. A row depends only on its
//! coin's figures and on whether the viewer watches it, so each coin's row is rendered in both
//! forms when a snapshot is first shown and every page of that snapshot, for every visitor,
//! is assembled from them. Formatting prices and drawing sparklines is most of the work of a
//! listing page; this does it once per refresh instead of once per request.

use crate::logos::{LogoHash, LogoIndex};
use crate::market::{Coin, CoinId, Snapshot};
use crate::routes::coin_table::CoinRow;
use askama::Template;
use shared_ui::InCurrency;
use shared_ui::template_prelude::*;

/// The cells of one row (`partials/coin_row.html`).
#[derive(Template)]
#[template(path = "partials/coin_row.html")]
struct RowCells<'a> {
    row: CoinRow<'a>,
}

/// The cells of `coin`'s row, its amounts in `cur`, with our copy of its logo if there is one.
pub(crate) fn render_row(
    coin: &Coin,
    watched: bool,
    cur: InCurrency,
    logo: Option<LogoHash>,
) -> Result<String, askama::Error> {
    let mut row = CoinRow::new(coin, cur);
    row.watched = watched;
    row.logo = logo;
    RowCells { row }.render()
}

/// Every coin's row of one snapshot, in the snapshot's order, in US dollars (pages in other
/// currencies render their rows each time), with the logos known at one generation of the
/// logo index.
pub(crate) struct RenderedRows {
    version: u64,
    logos: u64,
    rows: Vec<RowForms>,
}

struct RowForms {
    plain: Box<str>,
    watched: Box<str>,
}

impl RenderedRows {
    pub(crate) fn render(snapshot: &Snapshot, logos: &LogoIndex) -> Result<Self, askama::Error> {
        // Read before the rows: a logo arriving meanwhile renders them again next time.
        let generation = logos.generation();
        let rows = snapshot
            .coins()
            .iter()
            .map(|coin| {
                let logo = logos.of(&coin.id);
                Ok(RowForms {
                    plain: render_row(coin, false, InCurrency::USD, logo.clone())?.into_boxed_str(),
                    watched: render_row(coin, true, InCurrency::USD, logo)?.into_boxed_str(),
                })
            })
            .collect::<Result<_, askama::Error>>()?;
        Ok(Self {
            version: snapshot.version(),
            logos: generation,
            rows,
        })
    }

    #[cfg(test)]
    pub(crate) fn empty() -> Self {
        Self {
            version: 0,
            logos: 0,
            rows: Vec::new(),
        }
    }

    /// The snapshot's version and the logo index's generation the rows show.
    pub(crate) fn rendered_from(&self) -> (u64, u64) {
        (self.version, self.logos)
    }

    /// The row of the snapshot's `index`th coin, marked or not.
    pub(crate) fn get(&self, index: usize, watched: bool) -> Option<&str> {
        self.rows.get(index).map(|forms| {
            if watched {
                &*forms.watched
            } else {
                &*forms.plain
            }
        })
    }
}

/// Which of a snapshot's coins a viewer watches, by position in the snapshot.
pub(crate) struct Marks(Vec<bool>);

impl Marks {
    pub(crate) fn none() -> Self {
        Self(Vec::new())
    }

    pub(crate) fn of(snapshot: &Snapshot, watched: &[CoinId]) -> Self {
        let mut marks = vec![false; snapshot.coins().len()];
        for index in watched.iter().filter_map(|id| snapshot.index_of(id)) {
            marks[index] = true;
        }
        Self(marks)
    }

    pub(crate) fn is_marked(&self, index: usize) -> bool {
        self.0.get(index).copied().unwrap_or(false)
    }
}
