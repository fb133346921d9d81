//! The price chart on a coin page: a line and area over a time axis, price gridlines with
//! labels, the high and low marked, and a sentence that says the same for screen readers.

use super::{coord, polyline};
use crate::market::{ChartRange, PricePoint, Series};
use shared_ui::InCurrency;
use shared_ui::format::{compact_in, price_in, signed_percent};
use time::OffsetDateTime;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 88.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 36.0;
const X_TICKS: usize = 5;

/// A label on an axis at a coordinate (x for the time axis, y for the price axis).
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: String,
    pub label: String,
    /// `start`, `middle` or `end`: the label's `text-anchor`, so edge labels stay inside.
    pub anchor: &'static str,
}

/// A marked point: the high or the low.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: String,
    pub y: String,
    pub price: String,
    pub when: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriceChart {
    pub line: String,
    pub area: String,
    /// `up`, `down` or `flat` over the range.
    pub trend: &'static str,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub high: Marker,
    pub low: Marker,
    /// The plot's edges, for gridlines and the axis line.
    pub left: String,
    pub right: String,
    pub bottom: String,
    /// Where the price labels end and the time labels sit.
    pub price_label_x: String,
    pub time_label_y: String,
    first: PricePoint,
    last: PricePoint,
    high_point: PricePoint,
    low_point: PricePoint,
    range: ChartRange,
    cur: InCurrency,
}

impl PriceChart {
    /// The chart of `series` (in US dollars) over `range`, drawn and labelled in `cur`; `None`
    /// when the series is empty. A single point or an unchanging price is a level line in a
    /// band around that price.
    pub fn new(series: &Series, range: ChartRange, cur: InCurrency) -> Option<Self> {
        let series = series.scaled(cur.per_usd);
        let points = series.points();
        let (first, last) = (*points.first()?, *points.last()?);
        let (low_point, high_point) = series.extremes()?;
        let (lo, hi, ticks) = price_scale(low_point.price, high_point.price);
        let (t0, t1) = if first.at == last.at {
            (first.at - 1, last.at + 1)
        } else {
            (first.at, last.at)
        };
        let x = |t: i64| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * (WIDTH - LEFT - RIGHT);
        let y = |p: f64| TOP + (hi - p) / (hi - lo) * (HEIGHT - TOP - BOTTOM);
        let bottom = HEIGHT - BOTTOM;

        let coords: Vec<(f64, f64)> = if points.len() == 1 {
            vec![(LEFT, y(first.price)), (WIDTH - RIGHT, y(first.price))]
        } else {
            points.iter().map(|p| (x(p.at), y(p.price))).collect()
        };
        let line = polyline(&coords);
        let area = match (coords.first(), coords.last()) {
            (Some(start), Some(end)) => format!(
                "{line} L{} {} L{} {} Z",
                coord(end.0),
                coord(bottom),
                coord(start.0),
                coord(bottom)
            ),
            _ => String::new(),
        };
        let y_ticks = ticks
            .into_iter()
            .map(|p| Tick {
                at: coord(y(p)),
                label: compact_in(p, cur.currency),
                anchor: "end",
            })
            .collect();
        let x_ticks = (0..X_TICKS)
            .map(|i| {
                let t = t0 + ((t1 - t0) as f64 * i as f64 / (X_TICKS - 1) as f64).round() as i64;
                Tick {
                    at: coord(x(t)),
                    label: axis_time(t, range),
                    anchor: match i {
                        0 => "start",
                        i if i == X_TICKS - 1 => "end",
                        _ => "middle",
                    },
                }
            })
            .collect();
        let marker = |p: PricePoint| Marker {
            x: coord(if points.len() == 1 {
                WIDTH - RIGHT
            } else {
                x(p.at)
            }),
            y: coord(y(p.price)),
            price: price_in(p.price, cur.currency),
            when: moment(p.at, range),
        };
        Some(Self {
            line,
            area,
            trend: trend(first.price, last.price),
            y_ticks,
            x_ticks,
            high: marker(high_point),
            low: marker(low_point),
            left: coord(LEFT),
            right: coord(WIDTH - RIGHT),
            bottom: coord(bottom),
            price_label_x: coord(LEFT - 8.0),
            time_label_y: coord(bottom + 22.0),
            first,
            last,
            high_point,
            low_point,
            range,
            cur,
        })
    }

    /// The change over the range, in percent.
    pub fn change_percent(&self) -> Option<f64> {
        (self.first.price > 0.0).then(|| (self.last.price / self.first.price - 1.0) * 100.0)
    }

    /// One or two sentences that say what the chart shows.
    pub fn summary(&self, coin_name: &str) -> String {
        let change = self
            .change_percent()
            .map(|c| signed_percent(c).trim_start_matches(['+', '-']).to_owned())
            .unwrap_or_default();
        crate::copy::Copy::ChartSummary {
            name: coin_name.to_owned(),
            over: self.range.phrase(),
            first: price_in(self.first.price, self.cur.currency),
            last: price_in(self.last.price, self.cur.currency),
            direction: if self.change_percent().is_some() {
                self.trend
            } else {
                "flat"
            },
            change,
            high: price_in(self.high_point.price, self.cur.currency),
            high_at: moment(self.high_point.at, self.range),
            low: price_in(self.low_point.price, self.cur.currency),
            low_at: moment(self.low_point.at, self.range),
        }
        .text()
    }
}

fn trend(first: f64, last: f64) -> &'static str {
    if first <= 0.0 {
        return "flat";
    }
    match shared_ui::format::direction((last / first - 1.0) * 100.0) {
        "up" => "up",
        "down" => "down",
        _ => "flat",
    }
}

/// The price axis: bounds and gridline values at a round step, about four of them.
fn price_scale(low: f64, high: f64) -> (f64, f64, Vec<f64>) {
    let (low, high) = if high - low <= f64::EPSILON * high.abs().max(f64::MIN_POSITIVE) {
        if high == 0.0 {
            (0.0, 1.0)
        } else {
            (high * 0.99, high * 1.01)
        }
    } else {
        (low, high)
    };
    let step = nice_step((high - low) / 4.0);
    let lo = (low / step).floor() * step;
    let hi = (high / step).ceil() * step;
    let count = ((hi - lo) / step).round() as usize;
    let ticks = (0..=count.min(12)).map(|i| lo + i as f64 * step).collect();
    (lo, hi, ticks)
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn utc(t: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t).ok()
}

fn month(t: &OffsetDateTime) -> &'static str {
    MONTHS[usize::from(u8::from(t.month())) - 1]
}

/// A time-axis label: `06:00` over a day, `24 Nov` over a week or month, `Nov 2026` over a year.
fn axis_time(t: i64, range: ChartRange) -> String {
    let Some(d) = utc(t) else {
        return String::new();
    };
    match range {
        ChartRange::Day => format!("{:02}:{:02}", d.hour(), d.minute()),
        ChartRange::Week | ChartRange::Month => format!("{} {}", d.day(), month(&d)),
        ChartRange::Year => format!("{} {}", month(&d), d.year()),
    }
}

/// A moment in a sentence: `24 Nov, 06:00 UTC` over a day or week, `24 Nov 2026` beyond.
fn moment(t: i64, range: ChartRange) -> String {
    let Some(d) = utc(t) else {
        return String::new();
    };
    match range {
        ChartRange::Day | ChartRange::Week => format!(
            "{} {}, {:02}:{:02} UTC",
            d.day(),
            month(&d),
            d.hour(),
            d.minute()
        ),
        ChartRange::Month | ChartRange::Year => format!("{} {} {}", d.day(), month(&d), d.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_500_000; // 2026-11-24 06:00 UTC

    fn series(prices: &[f64]) -> Series {
        prices
            .iter()
            .enumerate()
            .map(|(i, &price)| PricePoint {
                at: T + i as i64 * 3600,
                price,
            })
            .collect::<Vec<_>>()
            .into()
    }

    fn numbers(path: &str) -> Vec<f64> {
        path.split(|c: char| c.is_ascii_alphabetic() || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().expect("a number"))
            .collect()
    }

    #[test]
    fn an_empty_series_has_no_chart() {
        assert_eq!(
            PriceChart::new(&Series::default(), ChartRange::Week, InCurrency::USD),
            None
        );
    }

    #[test]
    fn a_single_point_or_flat_series_is_a_level_line_with_labelled_axes() {
        for prices in [vec![64_000.0], vec![1.0; 24], vec![0.0, 0.0]] {
            let chart = PriceChart::new(&series(&prices), ChartRange::Day, InCurrency::USD)
                .expect("a chart");
            let ys: Vec<f64> = numbers(&chart.line).chunks(2).map(|xy| xy[1]).collect();
            assert!(
                ys.windows(2).all(|w| w[0] == w[1]),
                "{prices:?}: {}",
                chart.line
            );
            assert!(chart.y_ticks.len() >= 2, "{prices:?}");
            assert_eq!(chart.x_ticks.len(), X_TICKS);
            assert_eq!(chart.trend, "flat");
            assert!(
                chart.summary("Bitcoin").contains("unchanged"),
                "{}",
                chart.summary("Bitcoin")
            );
        }
    }

    #[test]
    fn everything_is_drawn_inside_the_view_box() {
        let prices: Vec<f64> = (0..200)
            .map(|i| 1e-5 + 1e-7 * (f64::from(i) / 7.0).sin())
            .collect();
        let chart =
            PriceChart::new(&series(&prices), ChartRange::Week, InCurrency::USD).expect("a chart");
        for (i, v) in numbers(&chart.area).into_iter().enumerate() {
            let limit = if i % 2 == 0 { WIDTH } else { HEIGHT };
            assert!((0.0..=limit).contains(&v), "{v} outside");
        }
        assert!(
            chart.y_ticks.iter().all(|t| t.label.starts_with("$0.0000")),
            "{:?}",
            chart.y_ticks
        );
    }

    #[test]
    fn the_summary_says_where_it_went_and_its_extremes() {
        let chart = PriceChart::new(
            &series(&[100.0, 150.0, 80.0, 110.0]),
            ChartRange::Week,
            InCurrency::USD,
        )
        .expect("a chart");
        assert_eq!(
            chart.summary("Bitcoin"),
            "Bitcoin over the last 7 days: from $100.00 to $110.00, up 10.00%. \
             Highest $150.00 on 24 Nov, 07:00 UTC; lowest $80.00 on 24 Nov, 08:00 UTC."
        );
        assert_eq!(chart.trend, "up");
        assert_eq!(chart.high.price, "$150.00");
    }

    #[test]
    fn price_gridlines_fall_on_round_numbers() {
        let (lo, hi, ticks) = price_scale(61_234.0, 64_987.0);
        assert_eq!((lo, hi), (61_000.0, 65_000.0));
        assert_eq!(ticks, [61_000.0, 62_000.0, 63_000.0, 64_000.0, 65_000.0]);
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(7.0), 10.0);
    }

    #[test]
    fn axis_labels_suit_the_range() {
        assert_eq!(axis_time(T, ChartRange::Day), "06:00");
        assert_eq!(axis_time(T, ChartRange::Month), "24 Nov");
        assert_eq!(axis_time(T, ChartRange::Year), "Nov 2026");
    }
}
