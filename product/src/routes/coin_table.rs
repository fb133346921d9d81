//! A row of the coin table, shared by the listing and the watchlist: the coin with its
//! monogram, sparkline and changes ready for the template.

use crate::logos::LogoHash;
use crate::market::Coin;
use crate::svg::monogram::Monogram;
use crate::svg::sparkline::Sparkline;
use shared_ui::InCurrency;
use shared_ui::format::Trend;

pub struct CoinRow<'a> {
    pub coin: &'a Coin,
    /// The currency of the row's amounts. The sparkline is the same in every currency: it is
    /// scaled to its own box.
    pub cur: InCurrency,
    pub monogram: Monogram,
    /// Our copy of the coin's logo, when we have one; else the monogram shows.
    pub logo: Option<LogoHash>,
    pub sparkline: Option<Sparkline>,
    /// Marked as on the viewer's watchlist (the listing, for a signed-in viewer).
    pub watched: bool,
}

impl<'a> CoinRow<'a> {
    pub fn new(coin: &'a Coin, cur: InCurrency) -> Self {
        Self {
            coin,
            cur,
            monogram: Monogram::new(coin.id.as_str(), &coin.symbol, &coin.name),
            logo: None,
            sparkline: Sparkline::new(&coin.sparkline_7d),
            watched: false,
        }
    }

    pub fn change_1h(&self) -> Change {
        Change::new(self.coin.change_1h)
    }

    pub fn change_24h(&self) -> Change {
        Change::new(self.coin.change_24h)
    }

    pub fn change_7d(&self) -> Change {
        Change::new(self.coin.change_7d)
    }
}

/// A price change in percent, shown signed, coloured and with an arrow and a word, so the
/// direction never rests on colour alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub value: Option<f64>,
    pub direction: Trend,
}

impl Change {
    pub fn new(value: Option<f64>) -> Self {
        Self {
            value,
            direction: Trend::of(value),
        }
    }

    pub fn arrow(&self) -> &'static str {
        self.direction.arrow()
    }

    /// What a screen reader hears after the figure.
    pub fn word(&self) -> &'static str {
        self.direction.word()
    }
}
