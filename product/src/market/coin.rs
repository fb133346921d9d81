//! One coin in the market snapshot: what the listing, the coin page and the watchlist show.
//!
//! Every figure may be missing (the upstream sends `null` freely); a missing figure is `None`
//! and pages show a dash. Numbers here are always finite: sources drop NaN and infinities.

use super::CoinId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coin {
    pub id: CoinId,
    /// Ticker as the source gives it (`btc`); pages show it upper-case.
    pub symbol: String,
    pub name: String,
    /// Market-cap rank; `None` for a coin the source does not rank.
    pub rank: Option<u32>,
    /// In US dollars, like every amount here.
    pub price: Option<f64>,
    pub change_1h: Option<f64>,
    pub change_24h: Option<f64>,
    pub change_7d: Option<f64>,
    pub market_cap: Option<f64>,
    pub fully_diluted_valuation: Option<f64>,
    pub volume_24h: Option<f64>,
    pub high_24h: Option<f64>,
    pub low_24h: Option<f64>,
    pub circulating_supply: Option<f64>,
    pub total_supply: Option<f64>,
    pub max_supply: Option<f64>,
    pub all_time_high: Option<Extreme>,
    pub all_time_low: Option<Extreme>,
    /// Unix seconds of the source's last price update for this coin.
    pub last_updated: Option<i64>,
    /// Hourly prices over the last seven days, oldest first, ending at `last_updated`.
    #[serde(default)]
    pub sparkline_7d: Vec<f64>,
    /// Set when these figures were kept from an earlier fetch because the coin's page of the
    /// feed has failed since: when they were fetched (unix seconds). Pages then show the
    /// coin's own as-of time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_from: Option<i64>,
    /// The provider's picture of the coin: an absolute URL, not yet trusted. Never shown to
    /// visitors; the logo fetcher may fetch it and serve its own re-encoded copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// An all-time high or low: the price, when it happened, and how far today's price is from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extreme {
    pub price: f64,
    /// Unix seconds.
    pub at: Option<i64>,
    /// The current price relative to this extreme, in percent (`-35.2` is 35.2% below the high).
    pub change_percent: Option<f64>,
}

impl Coin {
    /// The share of the maximum supply in circulation, from 0 to 1, when a maximum exists.
    pub fn supply_fraction(&self) -> Option<f64> {
        let max = self.max_supply.filter(|m| *m > 0.0)?;
        let circulating = self.circulating_supply?;
        Some((circulating / max).clamp(0.0, 1.0))
    }

    /// The current price relative to the all-time high, in percent.
    pub fn distance_from_high(&self) -> Option<f64> {
        distance(self.all_time_high.as_ref(), self.price)
    }

    /// The current price relative to the all-time low, in percent.
    pub fn distance_from_low(&self) -> Option<f64> {
        distance(self.all_time_low.as_ref(), self.price)
    }

    /// Fills each figure this coin lacks with `previous`'s, so a `null` from the source does
    /// not blank what a visitor saw a minute ago. A price taken over brings its update time.
    /// Returns whether anything was filled.
    pub fn fill_gaps_from(&mut self, previous: &Coin) -> bool {
        let mut filled = false;
        let mut fill = |mine: &mut Option<f64>, theirs: Option<f64>| {
            if mine.is_none() && theirs.is_some() {
                *mine = theirs;
                filled = true;
            }
        };
        let price_missing = self.price.is_none() && previous.price.is_some();
        fill(&mut self.price, previous.price);
        fill(&mut self.change_1h, previous.change_1h);
        fill(&mut self.change_24h, previous.change_24h);
        fill(&mut self.change_7d, previous.change_7d);
        fill(&mut self.market_cap, previous.market_cap);
        fill(
            &mut self.fully_diluted_valuation,
            previous.fully_diluted_valuation,
        );
        fill(&mut self.volume_24h, previous.volume_24h);
        fill(&mut self.high_24h, previous.high_24h);
        fill(&mut self.low_24h, previous.low_24h);
        fill(&mut self.circulating_supply, previous.circulating_supply);
        fill(&mut self.total_supply, previous.total_supply);
        fill(&mut self.max_supply, previous.max_supply);
        if price_missing {
            self.last_updated = previous.last_updated;
        }
        if self.rank.is_none() && previous.rank.is_some() {
            self.rank = previous.rank;
            filled = true;
        }
        if self.all_time_high.is_none() && previous.all_time_high.is_some() {
            self.all_time_high = previous.all_time_high.clone();
            filled = true;
        }
        if self.all_time_low.is_none() && previous.all_time_low.is_some() {
            self.all_time_low = previous.all_time_low.clone();
            filled = true;
        }
        if self.image.is_none() && previous.image.is_some() {
            self.image = previous.image.clone();
        }
        if self.sparkline_7d.is_empty() && !previous.sparkline_7d.is_empty() {
            self.sparkline_7d = previous.sparkline_7d.clone();
            filled = true;
        }
        filled
    }
}

fn distance(extreme: Option<&Extreme>, price: Option<f64>) -> Option<f64> {
    let extreme = extreme?;
    extreme.change_percent.or_else(|| {
        let price = price?;
        (extreme.price > 0.0).then(|| (price / extreme.price - 1.0) * 100.0)
    })
}

#[cfg(test)]
pub(crate) fn sample(id: &str) -> Coin {
    Coin {
        id: CoinId::parse(id).expect("an id"),
        symbol: id.chars().take(3).collect(),
        name: id.to_owned(),
        rank: None,
        price: Some(1.0),
        change_1h: None,
        change_24h: None,
        change_7d: None,
        market_cap: None,
        fully_diluted_valuation: None,
        volume_24h: None,
        high_24h: None,
        low_24h: None,
        circulating_supply: None,
        total_supply: None,
        max_supply: None,
        all_time_high: None,
        all_time_low: None,
        last_updated: None,
        sparkline_7d: Vec::new(),
        kept_from: None,
        image: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supply_fraction_needs_a_positive_maximum_and_is_clamped() {
        let mut coin = sample("bitcoin");
        coin.circulating_supply = Some(19_800_000.0);
        assert_eq!(coin.supply_fraction(), None);
        coin.max_supply = Some(21_000_000.0);
        assert!((coin.supply_fraction().expect("fraction") - 0.942_857).abs() < 1e-6);
        coin.max_supply = Some(0.0);
        assert_eq!(coin.supply_fraction(), None);
        coin.max_supply = Some(1.0);
        assert_eq!(coin.supply_fraction(), Some(1.0));
    }

    #[test]
    fn distance_from_the_high_prefers_the_source_and_else_computes_it() {
        let mut coin = sample("bitcoin");
        coin.price = Some(50.0);
        coin.all_time_high = Some(Extreme {
            price: 100.0,
            at: None,
            change_percent: None,
        });
        assert_eq!(coin.distance_from_high(), Some(-50.0));
        coin.all_time_high = Some(Extreme {
            price: 100.0,
            at: None,
            change_percent: Some(-49.5),
        });
        assert_eq!(coin.distance_from_high(), Some(-49.5));
        assert_eq!(coin.distance_from_low(), None);
    }
}
