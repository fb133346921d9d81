//! The 7-day sparkline in the coin table: a line scaled to a small box, coloured by trend.

use super::polyline;

pub const WIDTH: f64 = 120.0;
pub const HEIGHT: f64 = 32.0;
const PAD: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Sparkline {
    /// Path data within `0 0 WIDTH HEIGHT`.
    pub path: String,
    /// `up`, `down` or `flat`: a CSS class and a word for screen readers.
    pub trend: &'static str,
}

impl Sparkline {
    /// The line through `prices` (oldest first); `None` when there is nothing to draw. A single
    /// price or an unchanging one is a level line across the middle.
    pub fn new(prices: &[f64]) -> Option<Self> {
        let prices: Vec<f64> = prices.iter().copied().filter(|p| p.is_finite()).collect();
        let (first, last) = (*prices.first()?, *prices.last()?);
        let low = prices.iter().copied().fold(f64::INFINITY, f64::min);
        let high = prices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let span = high - low;
        let points: Vec<(f64, f64)> = if prices.len() == 1 || span <= f64::EPSILON * high.abs() {
            vec![(PAD, HEIGHT / 2.0), (WIDTH - PAD, HEIGHT / 2.0)]
        } else {
            let step = (WIDTH - 2.0 * PAD) / (prices.len() - 1) as f64;
            prices
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        PAD + i as f64 * step,
                        PAD + (high - p) / span * (HEIGHT - 2.0 * PAD),
                    )
                })
                .collect()
        };
        let trend = match shared_ui::format::direction(if first > 0.0 {
            (last / first - 1.0) * 100.0
        } else {
            0.0
        }) {
            "up" => "up",
            "down" => "down",
            _ => "flat",
        };
        Some(Self {
            path: polyline(&points),
            trend,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coordinates(path: &str) -> Vec<f64> {
        path.split(|c: char| c == 'M' || c == 'L' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().expect("a number"))
            .collect()
    }

    #[test]
    fn nothing_to_draw_is_none() {
        assert_eq!(Sparkline::new(&[]), None);
        assert_eq!(Sparkline::new(&[f64::NAN]), None);
    }

    #[test]
    fn a_single_or_unchanging_price_is_a_level_line() {
        for prices in [vec![5.0], vec![0.00001; 168], vec![0.0, 0.0]] {
            let s = Sparkline::new(&prices).expect("drawn");
            assert_eq!(s.path, "M2 16 L118 16", "{prices:?}");
            assert_eq!(s.trend, "flat");
        }
    }

    #[test]
    fn a_rising_line_stays_inside_the_box_and_ends_high() {
        let prices: Vec<f64> = (0..168)
            .map(|i| 1e-6 * (1.0 + f64::from(i) / 100.0))
            .collect();
        let s = Sparkline::new(&prices).expect("drawn");
        assert_eq!(s.trend, "up");
        let c = coordinates(&s.path);
        assert!(
            c.chunks(2)
                .all(|xy| (0.0..=WIDTH).contains(&xy[0]) && (0.0..=HEIGHT).contains(&xy[1]))
        );
        assert_eq!(&c[c.len() - 2..], [118.0, 2.0]);
        assert_eq!(&c[..2], [2.0, 30.0]);
    }
}
