//! The 7-day sparkline in the coin table: a line scaled to a small box, coloured by trend.

use shared_ui::format::Trend;

pub const WIDTH: f64 = 120.0;
pub const HEIGHT: f64 = 32.0;
const PAD: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Sparkline {
    /// Path data within `0 0 WIDTH HEIGHT`.
    pub path: String,
    /// Up, down or flat (never unknown): a CSS class and a word for screen readers.
    pub trend: Trend,
}

/// The most points a line has: one every two units across the box, more than a line drawn
/// 100 pixels wide can show. A week of hourly prices (169) is resampled to this.
const MAX_POINTS: usize = 59;

impl Sparkline {
    /// The line through `prices` (oldest first); `None` when there is nothing to draw. A single
    /// price or an unchanging one is a level line across the middle.
    pub fn new(prices: &[f64]) -> Option<Self> {
        let prices: Vec<f64> = prices.iter().copied().filter(|p| p.is_finite()).collect();
        let (first, last) = (*prices.first()?, *prices.last()?);
        let trend = Trend::between(first, last);
        let prices = resample(&prices, MAX_POINTS);
        let low = prices.iter().copied().fold(f64::INFINITY, f64::min);
        let high = prices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let span = high - low;
        let path = if prices.len() == 1 || span <= f64::EPSILON * high.abs() {
            let y = tenths(HEIGHT / 2.0);
            let mut d = String::from("M");
            push_tenths(&mut d, tenths(PAD));
            d.push(' ');
            push_tenths(&mut d, y);
            d.push('h');
            push_tenths(&mut d, tenths(WIDTH - PAD) - tenths(PAD));
            d
        } else {
            let step = (WIDTH - 2.0 * PAD) / (prices.len() - 1) as f64;
            let points: Vec<(i64, i64)> = prices
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        tenths(PAD + i as f64 * step),
                        tenths(PAD + (high - p) / span * (HEIGHT - 2.0 * PAD)),
                    )
                })
                .collect();
            relative_path(&points)
        };
        Some(Self { path, trend })
    }
}

/// `values` at `count` evenly spaced positions, interpolated; unchanged when they are no more.
fn resample(values: &[f64], count: usize) -> Vec<f64> {
    if values.len() <= count || count < 2 {
        return values.to_vec();
    }
    let last = values.len() - 1;
    (0..count)
        .map(|j| {
            let at = j as f64 * last as f64 / (count - 1) as f64;
            let i = (at.floor() as usize).min(last - 1);
            let frac = at - i as f64;
            values[i] * (1.0 - frac) + values[i + 1] * frac
        })
        .collect()
}

/// A coordinate in tenths of a unit: the precision drawn.
fn tenths(v: f64) -> i64 {
    (v * 10.0).round() as i64
}

/// Writes `v` tenths as the shortest SVG number: `-.4`, `1.3`, `2`, `0`.
fn push_tenths(d: &mut String, v: i64) {
    use std::fmt::Write as _;
    if v < 0 {
        d.push('-');
    }
    let (whole, tenth) = (v.unsigned_abs() / 10, v.unsigned_abs() % 10);
    if whole > 0 || tenth == 0 {
        let _ = write!(d, "{whole}");
    }
    if tenth > 0 {
        let _ = write!(d, ".{tenth}");
    }
}

/// Path data through `points` (in tenths): an absolute move, then relative lines, each
/// number separated only where the next does not start with a minus sign. Differences of
/// rounded coordinates, so the line never drifts from where the absolute points would be.
fn relative_path(points: &[(i64, i64)]) -> String {
    let mut d = String::with_capacity(points.len() * 6);
    let Some(&(x0, y0)) = points.first() else {
        return d;
    };
    d.push('M');
    push_tenths(&mut d, x0);
    d.push(' ');
    push_tenths(&mut d, y0);
    d.push('l');
    let mut previous = (x0, y0);
    for (i, &(x, y)) in points.iter().enumerate().skip(1) {
        for (n, v) in [(0, x - previous.0), (1, y - previous.1)] {
            if (i > 1 || n == 1) && v >= 0 {
                d.push(' ');
            }
            push_tenths(&mut d, v);
        }
        previous = (x, y);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The absolute coordinates of a path this module writes (`M x y`, then `l`/`h` steps).
    fn coordinates(path: &str) -> Vec<f64> {
        let mut numbers = Vec::new();
        let mut current = String::new();
        let mut commands = Vec::new();
        for c in path.chars() {
            let starts_number = c == '-' || (c == '.' && current.contains('.'));
            if c.is_ascii_alphabetic() || c == ' ' || starts_number {
                if !current.is_empty() {
                    numbers.push(current.parse::<f64>().expect("a number"));
                    current.clear();
                }
                if c.is_ascii_alphabetic() {
                    commands.push((c, numbers.len()));
                }
                if starts_number {
                    current.push(c);
                }
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() {
            numbers.push(current.parse::<f64>().expect("a number"));
        }
        assert_eq!(commands[0], ('M', 0), "{path}");
        let mut out = vec![numbers[0], numbers[1]];
        let (mut x, mut y) = (numbers[0], numbers[1]);
        match commands.get(1) {
            Some(('h', 2)) => out.extend([x + numbers[2], y]),
            Some(('l', 2)) => {
                for step in numbers[2..].chunks(2) {
                    x += step[0];
                    y += step[1];
                    out.extend([x, y]);
                }
            }
            other => panic!("unexpected command {other:?} in {path}"),
        }
        out.iter().map(|v| (v * 10.0).round() / 10.0).collect()
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
            assert_eq!(s.path, "M2 16h116", "{prices:?}");
            assert_eq!(coordinates(&s.path), [2.0, 16.0, 118.0, 16.0]);
            assert_eq!(s.trend, Trend::Flat);
        }
    }

    #[test]
    fn a_rising_line_stays_inside_the_box_and_ends_high() {
        let prices: Vec<f64> = (0..168)
            .map(|i| 1e-6 * (1.0 + f64::from(i) / 100.0))
            .collect();
        let s = Sparkline::new(&prices).expect("drawn");
        assert_eq!(s.trend, Trend::Up);
        let c = coordinates(&s.path);
        assert!(
            c.chunks(2)
                .all(|xy| (0.0..=WIDTH).contains(&xy[0]) && (0.0..=HEIGHT).contains(&xy[1]))
        );
        assert_eq!(&c[c.len() - 2..], [118.0, 2.0]);
        assert_eq!(&c[..2], [2.0, 30.0]);
    }

    #[test]
    fn a_week_of_hourly_prices_is_a_compact_path_through_the_same_shape() {
        // Down for half the week, then up: the lowest point is mid-box at the bottom.
        let prices: Vec<f64> = (0..=168)
            .map(|i| 100.0 + (f64::from(i) - 84.0).abs())
            .collect();
        let s = Sparkline::new(&prices).expect("drawn");
        let c = coordinates(&s.path);
        assert_eq!(c.len() / 2, MAX_POINTS);
        assert_eq!(&c[..2], [2.0, 2.0]);
        assert_eq!(&c[c.len() - 2..], [118.0, 2.0]);
        assert_eq!(&c[c.len() / 2 - 1..=c.len() / 2], [60.0, 30.0]);
        assert!(s.path.len() < 400, "{} bytes: {}", s.path.len(), s.path);
    }

    #[test]
    fn short_series_keep_every_point() {
        let s = Sparkline::new(&[1.0, 3.0, 2.0]).expect("drawn");
        assert_eq!(coordinates(&s.path), [2.0, 30.0, 60.0, 2.0, 118.0, 16.0]);
    }

    #[test]
    fn numbers_are_written_in_their_shortest_form() {
        let written = |v: i64| {
            let mut d = String::new();
            push_tenths(&mut d, v);
            d
        };
        assert_eq!(written(0), "0");
        assert_eq!(written(-4), "-.4");
        assert_eq!(written(13), "1.3");
        assert_eq!(written(-20), "-2");
        assert_eq!(written(1180), "118");
    }
}
