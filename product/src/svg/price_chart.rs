//! The price chart on a coin page: a line and area over a time axis with ticks at round UTC
//! times, gridlines at round prices with their labels inside the plot, the high and low
//! marked, the points as a table (the readout without JavaScript), and a sentence that says
//! the same for screen readers.
//!
//! Labels are laid out for the largest size the stylesheet gives them ([`LABEL_FONT`] viewBox
//! units, on a phone, where the chart is drawn small) with a generous estimate of their width.
//! Price labels start at the plot's left edge and grow into it, so no price, however many
//! digits it has, can be cut by the edge; a time label whose box would cross an edge is left
//! out.

use super::{coord, polyline};
use crate::market::{ChartRange, PricePoint, Series};
use shared_ui::format::Trend;
use shared_ui::format::{price_in, signed_percent, with_sign};
use shared_ui::{Currency, InCurrency};
use time::OffsetDateTime;

pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 320.0;
/// The largest font size `static/app.css` gives `.chart-label`, in viewBox units (a test
/// checks the stylesheet against it).
pub(crate) const LABEL_FONT: f64 = 26.0;
/// An upper bound on the average advance of a label's characters (digits, `$`, `,`, `:`,
/// `K`, month names) in ems; DejaVu Sans, among the widest sans-serif faces, averages 0.64.
const CHAR_EM: f64 = 0.66;
/// The least space between two time labels.
const LABEL_GAP: f64 = 0.75 * LABEL_FONT;
const LEFT: f64 = 4.0;
const RIGHT: f64 = 4.0;
/// Room above the top gridline for its label, which sits on the line.
const TOP: f64 = LABEL_FONT + 8.0;
/// Room under the plot for the time labels.
const BOTTOM: f64 = LABEL_FONT + 16.0;
/// Where price labels start: just inside the plot.
const PRICE_LABEL_X: f64 = LEFT + 4.0;
/// Points drawn and listed: more than the chart's width resolves on any screen.
const MAX_POINTS: usize = 240;

/// A label on an axis at a coordinate (x for the time axis, y for the price axis).
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: String,
    pub label: String,
}

/// A marked point: the high or the low.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: String,
    pub y: String,
    pub price: String,
    pub when: String,
}

/// One point of the line, as the data table and the readout script show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    pub x: String,
    pub y: String,
    /// ISO 8601, for `<time datetime>`.
    pub machine: String,
    /// In UTC, without saying so: the table's heading does.
    pub when: String,
    pub price: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriceChart {
    pub line: String,
    pub area: String,
    /// `up`, `down` or `flat` over the range.
    pub trend: Trend,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub high: Marker,
    pub low: Marker,
    pub points: Vec<ChartPoint>,
    /// The plot's edges, for gridlines and the axis line.
    pub left: String,
    pub right: String,
    pub top: String,
    pub bottom: String,
    /// Where the price labels start and the time labels hang from.
    pub price_label_x: String,
    pub time_label_y: String,
    first: PricePoint,
    last: PricePoint,
    high_point: PricePoint,
    low_point: PricePoint,
    /// The usual time between two points, in seconds.
    spacing: Option<i64>,
    range: ChartRange,
    cur: InCurrency,
}

impl PriceChart {
    /// The chart of `series` (in US dollars) over `range`, drawn and labelled in `cur`; `None`
    /// when the series is empty. A single point or an unchanging price is a level line in a
    /// band around that price.
    pub fn new(series: &Series, range: ChartRange, cur: InCurrency) -> Option<Self> {
        let series = series.scaled(cur.per_usd).thinned(MAX_POINTS);
        let points = series.points();
        let (first, last) = (*points.first()?, *points.last()?);
        let (low_point, high_point) = series.extremes()?;
        let scale = PriceScale::new(low_point.price, high_point.price);
        let (t0, t1) = if first.at == last.at {
            (first.at - 1, last.at + 1)
        } else {
            (first.at, last.at)
        };
        let x = |t: i64| LEFT + (t - t0) as f64 / (t1 - t0) as f64 * (WIDTH - LEFT - RIGHT);
        let y = |p: f64| TOP + (scale.hi - p) / (scale.hi - scale.lo) * (HEIGHT - TOP - BOTTOM);
        let bottom = HEIGHT - BOTTOM;
        let single = points.len() == 1;

        let coords: Vec<(f64, f64)> = if single {
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
        let y_ticks = scale
            .values()
            .into_iter()
            .map(|p| Tick {
                at: coord(y(p)),
                label: scale.label(p, cur.currency),
            })
            .collect();
        let x_ticks = time_ticks(t0, t1, range)
            .into_iter()
            .map(|(t, label)| Tick {
                at: coord(x(t)),
                label,
            })
            .collect();
        let point_x = |p: &PricePoint| coord(if single { WIDTH - RIGHT } else { x(p.at) });
        let marker = |p: PricePoint| Marker {
            x: point_x(&p),
            y: coord(y(p.price)),
            price: price_in(p.price, cur.currency),
            when: moment(p.at, range),
        };
        let table = points
            .iter()
            .map(|p| ChartPoint {
                x: point_x(p),
                y: coord(y(p.price)),
                machine: machine_time(p.at),
                when: point_time(p.at, range),
                price: price_in(p.price, cur.currency),
            })
            .collect();
        Some(Self {
            line,
            area,
            trend: Trend::between(first.price, last.price),
            y_ticks,
            x_ticks,
            high: marker(high_point),
            low: marker(low_point),
            points: table,
            left: coord(LEFT),
            right: coord(WIDTH - RIGHT),
            top: coord(TOP),
            bottom: coord(bottom),
            price_label_x: coord(PRICE_LABEL_X),
            time_label_y: coord(bottom + 6.0),
            first,
            last,
            high_point,
            low_point,
            spacing: typical_spacing(points),
            range,
            cur,
        })
    }

    /// The change over the range, in percent.
    pub fn change_percent(&self) -> Option<f64> {
        (self.first.price > 0.0).then(|| (self.last.price / self.first.price - 1.0) * 100.0)
    }

    /// The highest price the line reaches.
    pub fn high_price(&self) -> f64 {
        self.high_point.price
    }

    /// The lowest price the line reaches.
    pub fn low_price(&self) -> f64 {
        self.low_point.price
    }

    /// How often the line has a point, for a sentence: `hourly`, `every 5 minutes`, `daily`.
    pub fn resolution(&self) -> Option<String> {
        let secs = self.spacing?;
        let minutes = (secs + 30) / 60;
        Some(match minutes {
            0 => "every few seconds".to_owned(),
            1 => "every minute".to_owned(),
            2..=50 => format!("every {minutes} minutes"),
            51..=75 => "hourly".to_owned(),
            76..=1380 => format!("every {} hours", (minutes + 30) / 60),
            1381..=1500 => "daily".to_owned(),
            _ => format!("every {} days", (minutes + 720) / 1440),
        })
    }

    /// One or two sentences that say what the chart shows.
    pub fn summary(&self, coin_name: &str) -> String {
        let change = self
            .change_percent()
            .map(|c| signed_percent(c).trim_start_matches(['+', '-']).to_owned())
            .unwrap_or_default();
        crate::copy::Text::ChartSummary {
            name: coin_name.to_owned(),
            over: self.range.phrase(),
            first: price_in(self.first.price, self.cur.currency),
            last: price_in(self.last.price, self.cur.currency),
            direction: if self.change_percent().is_some() {
                self.trend
            } else {
                Trend::Flat
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

/// The median time between neighbouring points.
fn typical_spacing(points: &[PricePoint]) -> Option<i64> {
    let mut gaps: Vec<i64> = points.windows(2).map(|w| w[1].at - w[0].at).collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied()
}

/// The estimated width of a label at the largest font, in viewBox units: generous, so a
/// label that fits here fits on screen.
fn label_width(label: &str) -> f64 {
    label.chars().count() as f64 * CHAR_EM * LABEL_FONT
}

/// The price axis: gridlines `step` apart from `lo` to `hi`, which are the plot's bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PriceScale {
    lo: f64,
    hi: f64,
    step: f64,
}

/// Gridlines a plot of [`HEIGHT`] has room for, best first.
const GRIDLINES: [(usize, usize); 2] = [(4, 6), (3, 8)];

impl PriceScale {
    /// The tightest round scale around `low..=high`: a step of 1, 2, 2.5 or 5 times a power
    /// of ten, and four to six gridlines, so the axis ends within one step of each extreme.
    fn new(low: f64, high: f64) -> Self {
        let (low, high) = if high - low <= 1e-9 * high.abs().max(f64::MIN_POSITIVE) {
            if high == 0.0 {
                (0.0, 1.0)
            } else {
                (high * 0.99, high * 1.01)
            }
        } else {
            (low, high)
        };
        let magnitude = 10f64.powf(((high - low) / 5.0).log10().floor());
        // Each step with whether it is a 2.5, which reads less round than 2 or 5 on a tie.
        let candidates: Vec<(f64, bool)> = [0.1, 1.0, 10.0, 100.0]
            .iter()
            .flat_map(|m| [1.0, 2.0, 2.5, 5.0].map(|f| (f * m * magnitude, f == 2.5)))
            .collect();
        for (fewest, most) in GRIDLINES {
            let best = candidates
                .iter()
                .map(|&(step, quarter)| (Self::around(low, high, step), quarter))
                .filter(|(s, _)| (fewest..=most).contains(&s.count()))
                .min_by(|(a, a_quarter), (b, b_quarter)| {
                    (a.hi - a.lo)
                        .total_cmp(&(b.hi - b.lo))
                        .then(a_quarter.cmp(b_quarter))
                        .then(b.step.total_cmp(&a.step))
                });
            if let Some((best, _)) = best {
                return best;
            }
        }
        Self::around(low, high, 10.0 * magnitude)
    }

    fn around(low: f64, high: f64, step: f64) -> Self {
        // A hair of tolerance, so 0.3 / 0.1 = 2.9999999999999996 still lands on 0.3.
        let lo = (low / step + 1e-9).floor() * step;
        let hi = (high / step - 1e-9).ceil() * step;
        Self { lo, hi, step }
    }

    fn count(&self) -> usize {
        ((self.hi - self.lo) / self.step).round() as usize + 1
    }

    fn values(&self) -> Vec<f64> {
        (0..self.count())
            .map(|i| self.lo + i as f64 * self.step)
            .collect()
    }

    /// A gridline's label, with as many decimals as the step needs and no more, so
    /// neighbours always read differently: `$0.9995`, `$61,500`, `$160K`.
    fn label(&self, value: f64, currency: Currency) -> String {
        let top = self.hi.abs();
        let unit = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
            .into_iter()
            .find(|&(unit, _)| self.step >= unit && top >= unit);
        let number = match unit {
            Some((unit, suffix)) => {
                let decimals = decimals_of(self.step / unit);
                format!("{}{suffix}", group(value / unit, decimals))
            }
            None => group(value, decimals_of(self.step)),
        };
        with_sign(&number, currency, "")
    }
}

/// The decimals that write `step` exactly (`0.0025` → 4), at most 20.
fn decimals_of(step: f64) -> usize {
    (0..20)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            scaled > 0.999 && (scaled - scaled.round()).abs() < 1e-6 * scaled
        })
        .unwrap_or(20)
}

/// `value` with `decimals` decimals and thousands separators: `61,500.5`.
fn group(value: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The spacing of time ticks, finest first for each range.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TimeStep {
    Hours(i64),
    Days(i64),
    /// Every seven days from Monday.
    Weeks(i64),
    Months(i64),
}

fn time_steps(range: ChartRange) -> &'static [TimeStep] {
    use TimeStep::*;
    match range {
        ChartRange::Day => &[Hours(1), Hours(2), Hours(3), Hours(4), Hours(6), Hours(12)],
        ChartRange::Week => &[Days(1), Days(2), Weeks(1)],
        ChartRange::Month => &[Days(1), Days(2), Weeks(1), Weeks(2)],
        ChartRange::Year => &[Months(1), Months(2), Months(3), Months(6), Months(12)],
    }
}

impl TimeStep {
    /// The round moments of this step from `t0` to `t1`, in UTC.
    fn moments(self, t0: i64, t1: i64) -> Vec<i64> {
        let every = |period: i64, offset: i64| -> Vec<i64> {
            let first = (t0 - offset).div_euclid(period) * period + offset;
            let first = if first < t0 { first + period } else { first };
            (0..)
                .map(|i| first + i * period)
                .take_while(|&t| t <= t1)
                .collect()
        };
        match self {
            Self::Hours(n) => every(n * HOUR, 0),
            Self::Days(n) => every(n * DAY, 0),
            // 1970-01-05, day 4 of the epoch, was a Monday.
            Self::Weeks(n) => every(n * 7 * DAY, 4 * DAY),
            Self::Months(n) => {
                let Some(start) = utc(t0) else {
                    return Vec::new();
                };
                let (mut year, mut month) = (start.year(), i64::from(u8::from(start.month())) - 1);
                let mut out = Vec::new();
                loop {
                    let t = month_start(year, month);
                    if t > t1 || t == i64::MIN {
                        break;
                    }
                    if t >= t0 && month % n == 0 {
                        out.push(t);
                    }
                    month += 1;
                    if month == 12 {
                        month = 0;
                        year += 1;
                    }
                }
                out
            }
        }
    }
}

/// Midnight UTC on the first of `month` (0 = January) of `year`.
fn month_start(year: i32, month: i64) -> i64 {
    let Ok(month) = time::Month::try_from(month as u8 + 1) else {
        return i64::MIN;
    };
    time::Date::from_calendar_date(year, month, 1)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .unwrap_or(i64::MIN)
}

/// Time ticks over `t0..=t1` and their labels: the finest round step whose labels, at the
/// largest font, do not touch, without those whose label would cross the chart's edge.
fn time_ticks(t0: i64, t1: i64, range: ChartRange) -> Vec<(i64, String)> {
    let units_per_sec = (WIDTH - LEFT - RIGHT) / (t1 - t0).max(1) as f64;
    let x = |t: i64| LEFT + (t - t0) as f64 * units_per_sec;
    for step in time_steps(range) {
        let ticks: Vec<(i64, String)> = step
            .moments(t0, t1)
            .into_iter()
            .map(|t| (t, axis_time(t, range)))
            .collect();
        let roomy = ticks.windows(2).all(|w| {
            let needed = (label_width(&w[0].1) + label_width(&w[1].1)) / 2.0 + LABEL_GAP;
            x(w[1].0) - x(w[0].0) >= needed
        });
        if roomy {
            return ticks
                .into_iter()
                .filter(|(t, label)| {
                    let half = label_width(label) / 2.0;
                    x(*t) - half >= 0.0 && x(*t) + half <= WIDTH
                })
                .collect();
        }
    }
    Vec::new()
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

/// A time-axis label, in UTC: `06:00` over a day, `24 Nov` over a week or month, `Nov 2026`
/// over a year.
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

/// A point's time in the data table, in UTC: to the minute up to a month, the day over a year.
fn point_time(t: i64, range: ChartRange) -> String {
    let Some(d) = utc(t) else {
        return String::new();
    };
    match range {
        ChartRange::Year => format!("{} {} {}", d.day(), month(&d), d.year()),
        _ => format!(
            "{} {} {}, {:02}:{:02}",
            d.day(),
            month(&d),
            d.year(),
            d.hour(),
            d.minute()
        ),
    }
}

/// `2026-11-24T06:00:00Z`.
fn machine_time(t: i64) -> String {
    let Some(d) = utc(t) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_500_000; // 2026-11-24 06:00 UTC

    fn series(prices: &[f64]) -> Series {
        series_every(3600, prices)
    }

    fn series_every(secs: i64, prices: &[f64]) -> Series {
        prices
            .iter()
            .enumerate()
            .map(|(i, &price)| PricePoint {
                at: T + i as i64 * secs,
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

    fn labels(scale: PriceScale) -> Vec<String> {
        scale
            .values()
            .into_iter()
            .map(|v| scale.label(v, Currency::Usd))
            .collect()
    }

    fn ticks(t0: i64, t1: i64, range: ChartRange) -> Vec<String> {
        time_ticks(t0, t1, range)
            .into_iter()
            .map(|(_, l)| l)
            .collect()
    }

    /// Unix seconds of a UTC date and time.
    fn at(year: i32, month: u8, day: u8, hour: u8, minute: u8) -> i64 {
        let month = time::Month::try_from(month).expect("a month");
        time::Date::from_calendar_date(year, month, day)
            .and_then(|d| d.with_hms(hour, minute, 0))
            .expect("a date")
            .assume_utc()
            .unix_timestamp()
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
            assert_eq!(chart.trend, Trend::Flat);
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
        assert_eq!(chart.trend, Trend::Up);
        assert_eq!(chart.high.price, "$150.00");
        assert_eq!(chart.resolution().as_deref(), Some("hourly"));
    }

    #[test]
    fn every_point_is_in_the_data_table_in_utc() {
        let chart = PriceChart::new(&series(&[100.0, 150.0]), ChartRange::Day, InCurrency::USD)
            .expect("a chart");
        let rows: Vec<(&str, &str, &str)> = chart
            .points
            .iter()
            .map(|p| (p.machine.as_str(), p.when.as_str(), p.price.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-11-24T06:00:00Z", "24 Nov 2026, 06:00", "$100.00"),
                ("2026-11-24T07:00:00Z", "24 Nov 2026, 07:00", "$150.00"),
            ]
        );
        assert_eq!(
            (chart.points[0].x.as_str(), chart.points[1].x.as_str()),
            ("4", "716")
        );
    }

    #[test]
    fn price_gridlines_fall_on_round_numbers_within_a_step_of_the_extremes() {
        let btc_week = PriceScale::new(61_234.0, 64_987.0);
        assert_eq!(
            btc_week,
            PriceScale {
                lo: 61_000.0,
                hi: 65_000.0,
                step: 1_000.0
            }
        );
        assert_eq!(labels(btc_week), ["$61K", "$62K", "$63K", "$64K", "$65K"]);

        // The year: a $153K high no longer stretches the axis to $200K.
        let btc_year = PriceScale::new(74_000.0, 153_000.0);
        assert_eq!(
            labels(btc_year),
            ["$60K", "$80K", "$100K", "$120K", "$140K", "$160K"]
        );

        let tether = PriceScale::new(0.9991, 1.0004);
        assert_eq!(labels(tether), ["$0.9990", "$0.9995", "$1.0000", "$1.0005"]);

        let tiny = PriceScale::new(5.12e-9, 5.31e-9);
        assert_eq!(
            labels(tiny),
            [
                "$0.00000000510",
                "$0.00000000515",
                "$0.00000000520",
                "$0.00000000525",
                "$0.00000000530",
                "$0.00000000535"
            ]
        );

        let shib = PriceScale::new(0.00003712, 0.00003948);
        assert_eq!(
            labels(shib),
            [
                "$0.0000370",
                "$0.0000375",
                "$0.0000380",
                "$0.0000385",
                "$0.0000390",
                "$0.0000395"
            ]
        );

        // Narrow five-figure ranges keep their thousands separators.
        let narrow = PriceScale::new(61_234.0, 61_301.0);
        assert_eq!(
            labels(narrow),
            [
                "$61,220", "$61,240", "$61,260", "$61,280", "$61,300", "$61,320"
            ]
        );

        for (low, high) in [
            (61_234.0, 64_987.0),
            (74_000.0, 153_000.0),
            (0.9991, 1.0004),
            (5.12e-9, 5.31e-9),
            (0.0, 3.0),
            (12.5, 12_000.0),
        ] {
            let s = PriceScale::new(low, high);
            assert!(s.lo <= low && s.lo > low - s.step, "{low}: {s:?}");
            assert!(s.hi >= high && s.hi < high + s.step, "{high}: {s:?}");
            assert!((4..=6).contains(&s.count()), "{s:?}");
        }
    }

    #[test]
    fn a_level_price_gets_a_band_around_it() {
        assert_eq!(
            labels(PriceScale::new(0.0, 0.0)),
            ["$0.0", "$0.2", "$0.4", "$0.6", "$0.8", "$1.0"]
        );
        let one = PriceScale::new(1.0, 1.0);
        assert!(one.lo < 1.0 && one.hi > 1.0, "{one:?}");
    }

    #[test]
    fn price_labels_fit_the_plot_whatever_the_price() {
        // The longest label starts inside the plot and ends before its right edge.
        for (low, high) in [(5.12e-12, 5.13e-12), (1e-20, 1e-19), (9e11, 1e15)] {
            let s = PriceScale::new(low, high);
            for label in labels(s) {
                assert!(
                    PRICE_LABEL_X + label_width(&label) < WIDTH - RIGHT,
                    "{label} is too long"
                );
            }
        }
    }

    #[test]
    fn a_day_is_ticked_at_round_hours() {
        let t0 = at(2026, 11, 24, 6, 17);
        assert_eq!(
            ticks(t0, t0 + DAY, ChartRange::Day),
            ["08:00", "12:00", "16:00", "20:00", "00:00", "04:00"]
        );
    }

    #[test]
    fn a_week_is_ticked_at_midnights_and_a_month_at_mondays() {
        let t0 = at(2026, 11, 24, 6, 17);
        assert_eq!(
            ticks(t0, t0 + 7 * DAY, ChartRange::Week),
            ["25 Nov", "27 Nov", "29 Nov"]
        );
        // 2026-11-30 is a Monday.
        assert_eq!(
            ticks(t0, t0 + 30 * DAY, ChartRange::Month),
            ["30 Nov", "7 Dec", "14 Dec", "21 Dec"]
        );
        for (t, _) in time_ticks(t0, t0 + 30 * DAY, ChartRange::Month) {
            let d = utc(t).expect("a time");
            assert_eq!(
                (d.weekday(), d.hour(), d.minute()),
                (time::Weekday::Monday, 0, 0)
            );
        }
    }

    #[test]
    fn a_year_is_ticked_at_quarters() {
        // 1 Jan 2026 would sit too near the left edge for its label.
        let t0 = at(2025, 12, 2, 0, 0);
        assert_eq!(
            ticks(t0, t0 + 365 * DAY, ChartRange::Year),
            ["Apr 2026", "Jul 2026", "Oct 2026"]
        );
        let t0 = at(2025, 11, 25, 0, 0);
        assert_eq!(
            ticks(t0, t0 + 365 * DAY, ChartRange::Year),
            ["Jan 2026", "Apr 2026", "Jul 2026", "Oct 2026"]
        );
    }

    #[test]
    fn time_labels_never_cross_the_edge_or_each_other() {
        for range in ChartRange::ALL {
            for offset in (0..DAY).step_by(3_541) {
                let t0 = T + offset;
                let t1 = t0 + range.seconds();
                let scale = (WIDTH - LEFT - RIGHT) / (t1 - t0) as f64;
                let spans: Vec<(f64, f64)> = time_ticks(t0, t1, range)
                    .iter()
                    .map(|(t, label)| {
                        let x = LEFT + (t - t0) as f64 * scale;
                        let half = label_width(label) / 2.0;
                        (x - half, x + half)
                    })
                    .collect();
                assert!(spans.len() >= 2, "{range:?} from {t0}: {spans:?}");
                assert!(
                    spans.iter().all(|&(l, r)| l >= 0.0 && r <= WIDTH),
                    "{spans:?}"
                );
                assert!(
                    spans.windows(2).all(|w| w[0].1 + LABEL_GAP <= w[1].0),
                    "{spans:?}"
                );
            }
        }
    }

    #[test]
    fn the_stylesheet_never_draws_labels_larger_than_they_were_fitted_for() {
        let css = include_str!("../../../static/app.css");
        let mut sizes = Vec::new();
        for rule in css.split('}').filter(|r| r.contains(".chart-label")) {
            if let Some((_, decl)) = rule.rsplit_once("font-size:") {
                let value = decl.trim().trim_end_matches(';').trim();
                sizes.push(value.trim_end_matches("px").parse::<f64>().expect("px"));
            }
        }
        assert!(!sizes.is_empty(), "app.css sets the chart label size");
        assert!(
            sizes.iter().all(|&s| s <= LABEL_FONT),
            "labels drawn at {sizes:?}, fitted for {LABEL_FONT}"
        );
    }

    #[test]
    fn resolution_reads_as_words() {
        let every = |secs| {
            PriceChart::new(
                &series_every(secs, &[1.0, 2.0, 3.0]),
                ChartRange::Day,
                InCurrency::USD,
            )
            .and_then(|c| c.resolution())
        };
        assert_eq!(every(300).as_deref(), Some("every 5 minutes"));
        assert_eq!(every(3600).as_deref(), Some("hourly"));
        assert_eq!(every(DAY).as_deref(), Some("daily"));
    }

    #[test]
    fn axis_labels_suit_the_range() {
        assert_eq!(axis_time(T, ChartRange::Day), "06:00");
        assert_eq!(axis_time(T, ChartRange::Month), "24 Nov");
        assert_eq!(axis_time(T, ChartRange::Year), "Nov 2026");
    }
}
