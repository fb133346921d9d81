//! Prices over time: the ranges a coin page charts, and a series of timestamped prices.

use serde::{Deserialize, Serialize};

/// The ranges a price chart offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartRange {
    Day,
    Week,
    Month,
    Year,
}

impl ChartRange {
    pub const ALL: [Self; 4] = [Self::Day, Self::Week, Self::Month, Self::Year];

    /// The value of `?range=` and the key in the chart cache.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Day => "24h",
            Self::Week => "7d",
            Self::Month => "30d",
            Self::Year => "1y",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// "the last 24 hours", for sentences.
    pub fn phrase(&self) -> String {
        crate::copy::Text::RangePhrase { range: *self }.text()
    }

    pub fn seconds(&self) -> i64 {
        match self {
            Self::Day => 86_400,
            Self::Week => 7 * 86_400,
            Self::Month => 30 * 86_400,
            Self::Year => 365 * 86_400,
        }
    }

    /// The upstream's `days` parameter for this range.
    pub fn days(&self) -> u32 {
        match self {
            Self::Day => 1,
            Self::Week => 7,
            Self::Month => 30,
            Self::Year => 365,
        }
    }

    /// Whether the snapshot itself (the 7-day sparkline) can draw this range.
    pub fn within_sparkline(&self) -> bool {
        matches!(self, Self::Day | Self::Week)
    }
}

/// A price at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PricePoint {
    /// Unix seconds.
    pub at: i64,
    pub price: f64,
}

/// Prices in time order, finite, at distinct moments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<PricePoint>", into = "Vec<PricePoint>")]
pub struct Series(Vec<PricePoint>);

impl From<Vec<PricePoint>> for Series {
    /// Sorts by time, drops non-finite or negative prices, keeps the first of equal moments.
    fn from(mut points: Vec<PricePoint>) -> Self {
        points.retain(|p| p.price.is_finite() && p.price >= 0.0);
        points.sort_by_key(|p| p.at);
        points.dedup_by_key(|p| p.at);
        Self(points)
    }
}

impl From<Series> for Vec<PricePoint> {
    fn from(series: Series) -> Self {
        series.0
    }
}

impl Series {
    /// Hourly prices ending at `end` (a sparkline), oldest first.
    pub fn hourly_ending_at(prices: &[f64], end: i64) -> Self {
        let n = prices.len() as i64;
        prices
            .iter()
            .enumerate()
            .map(|(i, &price)| PricePoint {
                at: end - (n - 1 - i as i64) * 3600,
                price,
            })
            .collect::<Vec<_>>()
            .into()
    }

    pub fn points(&self) -> &[PricePoint] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every price times `factor` (a dollar series in another currency); a point that would
    /// not be a finite price is dropped.
    pub fn scaled(&self, factor: f64) -> Self {
        self.0
            .iter()
            .map(|p| PricePoint {
                at: p.at,
                price: p.price * factor,
            })
            .collect::<Vec<_>>()
            .into()
    }

    /// The points at or after `since`.
    pub fn since(&self, since: i64) -> Self {
        Self(self.0.iter().copied().filter(|p| p.at >= since).collect())
    }

    /// Whether the series reaches back to within `slack` seconds of `since`.
    pub fn covers(&self, since: i64, slack: i64) -> bool {
        self.0.first().is_some_and(|p| p.at <= since + slack)
    }

    /// At most `max` points, evenly picked, always keeping the first and the last and the
    /// lowest and highest, so a chart never loses its extremes.
    pub fn thinned(&self, max: usize) -> Self {
        let n = self.0.len();
        if n <= max || max < 4 {
            return self.clone();
        }
        let (low, high) = self.extreme_indices().unwrap_or((0, 0));
        let step = (n - 1) as f64 / (max - 3) as f64;
        let mut keep: Vec<usize> = (0..max - 2)
            .map(|i| ((i as f64 * step).round() as usize).min(n - 1))
            .collect();
        keep.extend([low, high, n - 1]);
        keep.sort_unstable();
        keep.dedup();
        Self(keep.into_iter().map(|i| self.0[i]).collect())
    }

    /// The lowest and the highest point (the first of equals).
    pub fn extremes(&self) -> Option<(PricePoint, PricePoint)> {
        self.extreme_indices().map(|(l, h)| (self.0[l], self.0[h]))
    }

    fn extreme_indices(&self) -> Option<(usize, usize)> {
        if self.0.is_empty() {
            return None;
        }
        let mut low = 0;
        let mut high = 0;
        for (i, p) in self.0.iter().enumerate() {
            if p.price < self.0[low].price {
                low = i;
            }
            if p.price > self.0[high].price {
                high = i;
            }
        }
        Some((low, high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(prices: &[(i64, f64)]) -> Series {
        prices
            .iter()
            .map(|&(at, price)| PricePoint { at, price })
            .collect::<Vec<_>>()
            .into()
    }

    #[test]
    fn ranges_round_trip_through_their_query_value() {
        for range in ChartRange::ALL {
            assert_eq!(ChartRange::parse(range.as_str()), Some(range));
        }
        assert_eq!(ChartRange::parse("5y"), None);
    }

    #[test]
    fn a_series_is_ordered_finite_and_without_repeated_moments() {
        let s = series(&[
            (3, 1.0),
            (1, f64::NAN),
            (2, 2.0),
            (2, 9.0),
            (4, -1.0),
            (5, f64::INFINITY),
        ]);
        assert_eq!(
            s.points(),
            [
                PricePoint { at: 2, price: 2.0 },
                PricePoint { at: 3, price: 1.0 }
            ]
        );
    }

    #[test]
    fn a_sparkline_becomes_hourly_points_ending_at_its_update() {
        let s = Series::hourly_ending_at(&[1.0, 2.0, 3.0], 10_800);
        assert_eq!(
            s.points().iter().map(|p| p.at).collect::<Vec<_>>(),
            [3600, 7200, 10_800]
        );
        assert!(s.covers(3600, 0));
        assert!(!s.covers(0, 3599));
    }

    #[test]
    fn thinning_keeps_the_ends_and_the_extremes() {
        let points: Vec<(i64, f64)> = (0..1000)
            .map(|i| {
                (
                    i,
                    if i == 333 {
                        1e6
                    } else if i == 777 {
                        -0.0
                    } else {
                        5.0
                    },
                )
            })
            .collect();
        let s = series(&points);
        let thin = s.thinned(100);
        assert!(thin.points().len() <= 100);
        assert_eq!(thin.points().first().map(|p| p.at), Some(0));
        assert_eq!(thin.points().last().map(|p| p.at), Some(999));
        let (low, high) = thin.extremes().expect("extremes");
        assert_eq!((low.at, high.at), (777, 333));
    }
}
