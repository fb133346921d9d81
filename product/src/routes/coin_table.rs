//! A row of the coin table, shared by the listing and the watchlist: the coin with its
//! monogram, sparkline and changes ready for the template.

use crate::logos::LogoHash;
use crate::market::Coin;
use crate::svg::monogram::Monogram;
use crate::svg::sparkline::Sparkline;
use shared_ui::InCurrency;

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
    /// `up`, `down`, `flat` or `unknown`: the CSS class.
    pub direction: &'static str,
}

impl Change {
    pub fn new(value: Option<f64>) -> Self {
        Self {
            value,
            direction: shared_ui::format::direction(value),
        }
    }

    pub fn arrow(&self) -> &'static str {
        match self.direction {
            "up" => "▲",
            "down" => "▼",
            _ => "",
        }
    }

    /// What a screen reader hears after the figure, as the `change_word` macro of
    /// `partials/coins.html` says it; for figures updated in place by `static/live.js`.
    pub fn word(&self) -> &'static str {
        match self.direction {
            "up" => "up",
            "down" => "down",
            "flat" => "unchanged",
            _ => "no data",
        }
    }
}
