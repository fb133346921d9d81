//! Number and time formatting for people: money from a hundred-millionth of a dollar to
//! trillions, signed percentages, compact large numbers, absolute and relative times.
//!
//! Every function takes anything that may be a number ([`MaybeNumber`]); a missing value,
//! NaN or infinity is shown as an em dash, so such a value never reaches a page as text.

use time::OffsetDateTime;

/// What formatting shows for a value that is missing or not a finite number.
pub const MISSING: &str = "—";

/// A number that may be missing: plain floats and integers, and `Option`s of them.
pub trait MaybeNumber {
    fn finite(&self) -> Option<f64>;
}

impl MaybeNumber for f64 {
    fn finite(&self) -> Option<f64> {
        self.is_finite().then_some(*self)
    }
}

impl MaybeNumber for i64 {
    fn finite(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl MaybeNumber for u32 {
    fn finite(&self) -> Option<f64> {
        Some(f64::from(*self))
    }
}

impl MaybeNumber for u64 {
    fn finite(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl MaybeNumber for usize {
    fn finite(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl<T: MaybeNumber> MaybeNumber for Option<T> {
    fn finite(&self) -> Option<f64> {
        self.as_ref().and_then(MaybeNumber::finite)
    }
}

impl<T: MaybeNumber + ?Sized> MaybeNumber for &T {
    fn finite(&self) -> Option<f64> {
        (**self).finite()
    }
}

/// A price or amount in US dollars: `$64,231.50`, `$0.5432`, `$0.00007662`, `-$3.20`.
///
/// Amounts of a dollar and more get cents and thousands separators; smaller ones get four
/// significant digits, down to eight decimal places (`$0.00000001`).
pub fn money(value: impl MaybeNumber) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    let sign = if v < 0.0 { "-" } else { "" };
    let abs = v.abs();
    let body = if abs == 0.0 {
        "0.00".to_owned()
    } else if abs >= 1.0 {
        group_thousands(&format!("{abs:.2}"))
    } else {
        let decimals = small_number_decimals(abs);
        let text = format!("{abs:.decimals$}");
        if text.trim_start_matches(['0', '.']).is_empty() {
            // Below a hundred-millionth: show the floor rather than "$0.00000000".
            return format!("{sign}<$0.00000001");
        }
        trim_trailing_zeros_keep_cents(&text)
    };
    format!("{sign}${body}")
}

/// A large amount of dollars in compact form: `$1.59T`, `$980.2B`, `$12.3M`, `$45.6K`;
/// amounts under a thousand are shown as [`money`].
pub fn compact_money(value: impl MaybeNumber) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    if v.abs() < 1_000.0 {
        return money(v);
    }
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}${}", compact_abs(v.abs()))
}

/// A large count in compact form: `19.8M`, `1.2K`, `950`.
pub fn compact_number(value: impl MaybeNumber) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    let sign = if v < 0.0 { "-" } else { "" };
    let abs = v.abs();
    if abs < 1_000.0 {
        let text = format!("{abs:.2}");
        return format!("{sign}{}", trim_zeros(&text));
    }
    format!("{sign}{}", compact_abs(abs))
}

/// A whole number with thousands separators: `21,000,000`.
pub fn grouped(value: impl MaybeNumber) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(&format!("{:.0}", v.abs())))
}

/// A signed percentage with two decimals: `+1.23%`, `-0.45%`, `0.00%`.
pub fn signed_percent(value: impl MaybeNumber) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    let rounded = (v * 100.0).round() / 100.0;
    if rounded == 0.0 {
        "0.00%".to_owned()
    } else if rounded > 0.0 {
        format!("+{}%", group_thousands(&format!("{rounded:.2}")))
    } else {
        format!("-{}%", group_thousands(&format!("{:.2}", rounded.abs())))
    }
}

/// A plain percentage with one decimal: `52.3%`.
pub fn percent(value: impl MaybeNumber) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    format!("{v:.1}%")
}

/// Whether a change goes `up`, `down` or is `flat`: a CSS class and the word a screen reader says.
pub fn direction(value: impl MaybeNumber) -> &'static str {
    match value.finite() {
        Some(v) if (v * 100.0).round() > 0.0 => "up",
        Some(v) if (v * 100.0).round() < 0.0 => "down",
        Some(_) => "flat",
        None => "unknown",
    }
}

/// `2026-11-24 06:00 UTC` from unix seconds.
pub fn utc_datetime(unix_seconds: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix_seconds) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => MISSING.to_owned(),
    }
}

/// `2026-11-24` from unix seconds.
pub fn utc_date(unix_seconds: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix_seconds) {
        Ok(t) => format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        Err(_) => MISSING.to_owned(),
    }
}

/// `just now`, `5 minutes ago`, `3 hours ago`, `2 days ago`, `in 4 minutes`.
pub fn relative_time(unix_seconds: i64, now_unix_seconds: i64) -> String {
    let delta = now_unix_seconds.saturating_sub(unix_seconds);
    let future = delta < 0;
    let secs = delta.unsigned_abs();
    if secs < 45 {
        return "just now".to_owned();
    }
    let (n, unit) = if secs < 90 * 60 {
        ((secs + 30) / 60, "minute")
    } else if secs < 36 * 3600 {
        ((secs + 1800) / 3600, "hour")
    } else if secs < 60 * 86_400 {
        ((secs + 43_200) / 86_400, "day")
    } else if secs < 730 * 86_400 {
        ((secs + 15 * 86_400) / (30 * 86_400), "month")
    } else {
        (secs / (365 * 86_400), "year")
    };
    let plural = if n == 1 { "" } else { "s" };
    if future {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// Seconds since the epoch, now.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn compact_abs(abs: f64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];
    for (i, (size, suffix)) in UNITS.iter().enumerate() {
        if abs >= *size {
            let scaled = abs / size;
            // 999.96B rounds to 1000.0B: promote it to the next unit instead.
            if scaled >= 999.95 && i > 0 {
                let (bigger, bigger_suffix) = UNITS[i - 1];
                return format!("{}{bigger_suffix}", scaled_text(abs / bigger));
            }
            if *suffix == "T" && scaled >= 1000.0 {
                return format!("{}T", group_thousands(&format!("{scaled:.0}")));
            }
            return format!("{}{suffix}", scaled_text(scaled));
        }
    }
    scaled_text(abs)
}

/// Three significant digits for compact figures: `1.59`, `12.3`, `980`.
fn scaled_text(scaled: f64) -> String {
    let text = if scaled < 10.0 {
        format!("{scaled:.2}")
    } else if scaled < 100.0 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.0}")
    };
    trim_zeros(&text)
}

/// Decimals that give four significant digits for `0 < abs < 1`, capped at eight.
fn small_number_decimals(abs: f64) -> usize {
    let leading_zeros = (-abs.log10()).floor().max(0.0) as usize;
    (leading_zeros + 4).clamp(2, 8)
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text.to_owned()
    }
}

/// `0.5000` becomes `0.50`: trailing zeros go, but never below cents.
fn trim_trailing_zeros_keep_cents(text: &str) -> String {
    let Some((int, frac)) = text.split_once('.') else {
        return text.to_owned();
    };
    let mut frac = frac.trim_end_matches('0').to_owned();
    while frac.len() < 2 {
        frac.push('0');
    }
    format!("{int}.{frac}")
}

fn group_thousands(number: &str) -> String {
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    let mut out = String::with_capacity(number.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_covers_the_whole_range() {
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(1.0), "$1.00");
        assert_eq!(money(64_231.5), "$64,231.50");
        assert_eq!(money(1e13), "$10,000,000,000,000.00");
        assert_eq!(money(0.5432), "$0.5432");
        assert_eq!(money(0.5), "$0.50");
        assert_eq!(money(0.012_345_6), "$0.01235");
        assert_eq!(money(7.662e-05), "$0.00007662");
        assert_eq!(money(0.000_000_01), "$0.00000001");
        assert_eq!(money(0.000_000_001), "<$0.00000001");
        assert_eq!(money(-3.2), "-$3.20");
        assert_eq!(money(-0.25), "-$0.25");
        assert_eq!(money(999.999), "$1,000.00");
    }

    #[test]
    fn missing_and_non_finite_values_never_reach_a_page() {
        assert_eq!(money(f64::NAN), MISSING);
        assert_eq!(money(f64::INFINITY), MISSING);
        assert_eq!(money(None::<f64>), MISSING);
        assert_eq!(compact_money(f64::NEG_INFINITY), MISSING);
        assert_eq!(compact_number(f64::NAN), MISSING);
        assert_eq!(signed_percent(f64::NAN), MISSING);
        assert_eq!(percent(None::<f64>), MISSING);
        assert_eq!(grouped(f64::INFINITY), MISSING);
        assert_eq!(direction(f64::NAN), "unknown");
    }

    #[test]
    fn compact_money_uses_three_significant_digits() {
        assert_eq!(compact_money(1.59e12), "$1.59T");
        assert_eq!(compact_money(1_590_123_456_789.0), "$1.59T");
        assert_eq!(compact_money(980.2e9), "$980B");
        assert_eq!(compact_money(12_345_678.0), "$12.3M");
        assert_eq!(compact_money(45_600.0), "$45.6K");
        assert_eq!(compact_money(1e13), "$10T");
        assert_eq!(compact_money(2.5e15), "$2,500T");
        assert_eq!(compact_money(999.5), "$999.50");
        assert_eq!(compact_money(0.0), "$0.00");
        assert_eq!(compact_money(-2e9), "-$2B");
        assert_eq!(compact_money(999_960_000_000.0), "$1T");
        assert_eq!(compact_money(Some(3e6)), "$3M");
    }

    #[test]
    fn compact_number_for_supplies() {
        assert_eq!(compact_number(19_800_000.0), "19.8M");
        assert_eq!(compact_number(21_000_000.0), "21M");
        assert_eq!(compact_number(950.0), "950");
        assert_eq!(compact_number(0.5), "0.5");
        assert_eq!(compact_number(0.0), "0");
        assert_eq!(compact_number(1_200_i64), "1.2K");
    }

    #[test]
    fn grouped_whole_numbers() {
        assert_eq!(grouped(21_000_000.0), "21,000,000");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(-1234.0), "-1,234");
        assert_eq!(grouped(0.4), "0");
    }

    #[test]
    fn percentages_are_signed_and_rounded() {
        assert_eq!(signed_percent(1.234), "+1.23%");
        assert_eq!(signed_percent(-0.456), "-0.46%");
        assert_eq!(signed_percent(0.0), "0.00%");
        assert_eq!(signed_percent(-0.001), "0.00%");
        assert_eq!(signed_percent(1234.5), "+1,234.50%");
        assert_eq!(percent(52.345), "52.3%");
        assert_eq!(direction(0.004), "flat");
        assert_eq!(direction(0.02), "up");
        assert_eq!(direction(-2.0), "down");
    }

    #[test]
    fn absolute_times_are_utc() {
        assert_eq!(utc_datetime(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_datetime(1_795_500_000), "2026-11-24 06:00 UTC");
        assert_eq!(utc_date(1_795_500_000), "2026-11-24");
        assert_eq!(utc_datetime(i64::MAX), MISSING);
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = 1_800_000_000;
        assert_eq!(relative_time(now, now), "just now");
        assert_eq!(relative_time(now - 30, now), "just now");
        assert_eq!(relative_time(now - 60, now), "1 minute ago");
        assert_eq!(relative_time(now - 5 * 60, now), "5 minutes ago");
        assert_eq!(relative_time(now - 3 * 3600, now), "3 hours ago");
        assert_eq!(relative_time(now - 2 * 86_400, now), "2 days ago");
        assert_eq!(relative_time(now - 400 * 86_400, now), "13 months ago");
        assert_eq!(relative_time(now - 800 * 86_400, now), "2 years ago");
        assert_eq!(relative_time(now + 240, now), "in 4 minutes");
        assert_eq!(relative_time(i64::MIN, now), "292471208677 years ago");
    }
}
