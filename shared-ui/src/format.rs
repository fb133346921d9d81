//! Number and time formatting for people: money from a hundred-millionth of a dollar to
//! trillions, signed percentages, compact large numbers, absolute and relative times.
//!
//! Every function takes anything that may be a number ([`MaybeNumber`]); a missing value,
//! NaN or infinity is shown as an em dash, so such a value never reaches a page as text.

use crate::currency::Sign;
pub use crate::currency::{Currency, InCurrency};
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
/// The same as [`price_in`] in [`Currency::Usd`].
pub fn money(value: impl MaybeNumber) -> String {
    price_in(value, Currency::Usd)
}

/// A large amount of dollars in compact form: `$1.59T`, `$980B`, `$12.3M`, `$45.6K`; the same
/// as [`compact_in`] in [`Currency::Usd`].
pub fn compact_money(value: impl MaybeNumber) -> String {
    compact_in(value, Currency::Usd)
}

/// Significant digits of a price below one unit, and of any amount of a cryptocurrency.
const PRICE_DIGITS: i32 = 4;
/// Significant digits of a compact amount (`$42.4B`).
const COMPACT_DIGITS: i32 = 3;
/// The most decimals an amount of money gets; anything smaller shows as "under" the smallest
/// one.
const MAX_DECIMALS: usize = 12;
/// The same for bitcoin and ether, in which a cheap coin costs a billionth or less.
const MAX_CRYPTO_DECIMALS: usize = 16;

/// The rule for prices, one for every currency, so a column reads evenly: the same magnitude
/// always gets the same number of digits.
///
/// - Dollars, euros and pounds of one unit and more get cents (`$64,231.50`, `€1.50`), yen
///   none (`¥9,876,543`); the sign goes before the amount.
/// - Amounts below one unit get four significant digits, trailing zeros kept (`$0.2580`
///   beside `$0.2578`, `$0.00007662`), down to twelve decimals (`<$0.000000000001` below).
/// - Bitcoin and ether always get four significant digits, with the unit after the amount
///   (`1.000 BTC`, `0.05123 BTC`, `1,235 ETH`), as a small amount of them is the usual case,
///   down to sixteen decimals.
///
/// Thousands are separated by commas and decimals by a point, as the page's English reads.
pub fn price_in(value: impl MaybeNumber, currency: Currency) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    let minus = if v < 0.0 { "-" } else { "" };
    let abs = v.abs();
    let number = if abs == 0.0 {
        if currency.is_crypto() {
            "0".to_owned()
        } else {
            format!("{:.*}", currency.minor_decimals(), 0.0)
        }
    } else if !currency.is_crypto() && significant(abs, PRICE_DIGITS, MAX_DECIMALS).0 >= 1.0 {
        group_thousands(&format!("{abs:.*}", currency.minor_decimals()))
    } else {
        let max_decimals = if currency.is_crypto() {
            MAX_CRYPTO_DECIMALS
        } else {
            MAX_DECIMALS
        };
        let (rounded, text) = significant(abs, PRICE_DIGITS, max_decimals);
        if rounded == 0.0 {
            let floor = format!("0.{}1", "0".repeat(max_decimals - 1));
            return format!("{minus}<{}", with_sign(&floor, currency, ""));
        }
        group_thousands(&text)
    };
    with_sign(&number, currency, minus)
}

/// The number with the currency's sign where it goes, and a minus before both.
pub fn with_sign(number: &str, currency: Currency, minus: &str) -> String {
    match currency.sign() {
        Sign::Prefix(symbol) => format!("{minus}{symbol}{number}"),
        // A no-break space keeps the unit on the amount's line.
        Sign::Suffix(unit) => format!("{minus}{number}\u{a0}{unit}"),
    }
}

/// A large amount in compact form with three significant digits: `$1.59T`, `$63.0B` beside
/// `$42.4B`, `€12.3M`, `¥45.6K`, `19.8M BTC`; amounts under a thousand are shown as
/// [`price_in`].
pub fn compact_in(value: impl MaybeNumber, currency: Currency) -> String {
    let Some(v) = value.finite() else {
        return MISSING.to_owned();
    };
    if v.abs() < 1_000.0 {
        return price_in(v, currency);
    }
    let minus = if v < 0.0 { "-" } else { "" };
    with_sign(&compact_abs(v.abs()), currency, minus)
}

/// A large count in compact form with three significant digits: `19.8M`, `21.0M`, `1.20K`;
/// counts under a thousand as they are, to two decimals (`950`, `0.5`).
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

/// Which way a figure moved. Shown as a CSS class (its `Display`: `up`, `down`, `flat`,
/// `unknown`), an arrow and a word, so a direction never rests on colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
    /// No figure to tell.
    Unknown,
}

impl Trend {
    /// The way a change of `value` percent goes; less than half a hundredth is flat, as it
    /// shows as `0.00%`.
    pub fn of(value: impl MaybeNumber) -> Self {
        match value.finite() {
            Some(v) if (v * 100.0).round() > 0.0 => Self::Up,
            Some(v) if (v * 100.0).round() < 0.0 => Self::Down,
            Some(_) => Self::Flat,
            None => Self::Unknown,
        }
    }

    /// The way a series went from `first` to `last`: up, down or flat, never unknown.
    pub fn between(first: f64, last: f64) -> Self {
        if first <= 0.0 {
            return Self::Flat;
        }
        match Self::of((last / first - 1.0) * 100.0) {
            Self::Unknown => Self::Flat,
            trend => trend,
        }
    }

    /// The CSS class.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Flat => "flat",
            Self::Unknown => "unknown",
        }
    }

    pub fn arrow(&self) -> &'static str {
        match self {
            Self::Up => "▲",
            Self::Down => "▼",
            Self::Flat | Self::Unknown => "",
        }
    }

    /// What a screen reader hears after a change.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Flat => "unchanged",
            Self::Unknown => "no data",
        }
    }

    /// How a line over time reads: rising, falling or flat.
    pub fn motion(&self) -> &'static str {
        match self {
            Self::Up => "rising",
            Self::Down => "falling",
            Self::Flat | Self::Unknown => "flat",
        }
    }
}

impl std::fmt::Display for Trend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.class())
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
            // 999.6B rounds to 1000B: promote it to the next unit instead (1.00T).
            if scaled >= 999.5 && i > 0 {
                let (bigger, bigger_suffix) = UNITS[i - 1];
                return format!(
                    "{}{bigger_suffix}",
                    significant(abs / bigger, COMPACT_DIGITS, MAX_DECIMALS).1
                );
            }
            if *suffix == "T" && scaled >= 999.5 {
                return format!("{}T", group_thousands(&format!("{scaled:.0}")));
            }
            return format!(
                "{}{suffix}",
                significant(scaled, COMPACT_DIGITS, MAX_DECIMALS).1
            );
        }
    }
    significant(abs, COMPACT_DIGITS, MAX_DECIMALS).1
}

/// `abs` (positive) to `digits` significant digits, trailing zeros kept, with at most
/// `max_decimals` decimals: the rounded value and its text (`0.2580`, `12.3`, `1,000` is
/// `1000`). Rounding that carries into the next power of ten keeps the digit count
/// (`0.99996` is `1.000`, not `1.0000`).
fn significant(abs: f64, digits: i32, max_decimals: usize) -> (f64, String) {
    let mut magnitude = abs.log10().floor() as i32;
    if 10f64.powi(magnitude + 1) <= abs {
        magnitude += 1;
    }
    let decimals = |m: i32| (digits - 1 - m).clamp(0, max_decimals as i32) as usize;
    let text = format!("{abs:.*}", decimals(magnitude));
    let rounded: f64 = text.parse().unwrap_or(abs);
    if rounded >= 10f64.powi(magnitude + 1) {
        let text = format!("{abs:.*}", decimals(magnitude + 1));
        let rounded = text.parse().unwrap_or(abs);
        return (rounded, text);
    }
    (rounded, text)
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text.to_owned()
    }
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

    /// A no-break space, as between an amount and its unit.
    const NBSP: &str = "\u{a0}";

    #[test]
    fn money_covers_the_whole_range() {
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(1.0), "$1.00");
        assert_eq!(money(64_231.5), "$64,231.50");
        assert_eq!(money(1e13), "$10,000,000,000,000.00");
        assert_eq!(money(0.5432), "$0.5432");
        assert_eq!(money(0.5), "$0.5000");
        assert_eq!(money(0.012_345_6), "$0.01235");
        assert_eq!(money(7.662e-05), "$0.00007662");
        assert_eq!(money(0.000_000_01), "$0.00000001000");
        assert_eq!(money(0.000_000_005_12), "$0.000000005120");
        assert_eq!(money(1e-12), "$0.000000000001");
        assert_eq!(money(1e-13), "<$0.000000000001");
        assert_eq!(money(-3.2), "-$3.20");
        assert_eq!(money(-0.25), "-$0.2500");
        assert_eq!(money(999.999), "$1,000.00");
    }

    #[test]
    fn a_price_column_has_the_same_digits_for_the_same_magnitude() {
        // Issue #13: "$0.258 one moment and $0.2578 the next".
        assert_eq!(money(0.258), "$0.2580");
        assert_eq!(money(0.2578), "$0.2578");
        assert_eq!(money(0.03), "$0.03000");
        assert_eq!(money(0.031_24), "$0.03124");
        // Rounding up to a whole unit switches to cents, not to five digits.
        assert_eq!(money(0.999_96), "$1.00");
        assert_eq!(money(0.999_94), "$0.9999");
    }

    #[test]
    fn fiat_currencies_put_their_symbol_first() {
        assert_eq!(price_in(1_234.5, Currency::Eur), "€1,234.50");
        assert_eq!(price_in(0.5, Currency::Gbp), "£0.5000");
        assert_eq!(price_in(-3.2, Currency::Eur), "-€3.20");
        assert_eq!(price_in(0.0, Currency::Gbp), "£0.00");
        assert_eq!(price_in(7.662e-05, Currency::Eur), "€0.00007662");
    }

    #[test]
    fn yen_have_no_decimals_above_one_yen() {
        assert_eq!(price_in(9_876_543.21, Currency::Jpy), "¥9,876,543");
        assert_eq!(price_in(1_234.6, Currency::Jpy), "¥1,235");
        assert_eq!(price_in(1.0, Currency::Jpy), "¥1");
        assert_eq!(price_in(0.0, Currency::Jpy), "¥0");
        assert_eq!(price_in(-150.4, Currency::Jpy), "-¥150");
        // Below one yen a price still needs its digits.
        assert_eq!(price_in(0.5, Currency::Jpy), "¥0.5000");
        assert_eq!(price_in(0.001_234, Currency::Jpy), "¥0.001234");
    }

    #[test]
    fn bitcoin_and_ether_get_four_significant_digits_and_a_unit_after() {
        assert_eq!(price_in(1.0, Currency::Btc), format!("1.000{NBSP}BTC"));
        assert_eq!(
            price_in(0.051_23, Currency::Btc),
            format!("0.05123{NBSP}BTC")
        );
        assert_eq!(price_in(12.3456, Currency::Btc), format!("12.35{NBSP}BTC"));
        assert_eq!(price_in(1_234.56, Currency::Btc), format!("1,235{NBSP}BTC"));
        assert_eq!(
            price_in(0.000_000_001_5, Currency::Btc),
            format!("0.000000001500{NBSP}BTC")
        );
        assert_eq!(price_in(0.999_96, Currency::Btc), format!("1.000{NBSP}BTC"));
        assert_eq!(price_in(9.999_6, Currency::Btc), format!("10.00{NBSP}BTC"));
        assert_eq!(
            price_in(-0.0012, Currency::Btc),
            format!("-0.001200{NBSP}BTC")
        );
        assert_eq!(price_in(0.0, Currency::Btc), format!("0{NBSP}BTC"));
        assert_eq!(price_in(3.412_55, Currency::Eth), format!("3.413{NBSP}ETH"));
        // A meme coin in bitcoin: a thousandth of a cent is about 1.5e-10 BTC.
        assert_eq!(
            price_in(5.938e-10, Currency::Btc),
            format!("0.0000000005938{NBSP}BTC")
        );
        assert_eq!(
            price_in(1.197e-12, Currency::Btc),
            format!("0.000000000001197{NBSP}BTC")
        );
        assert_eq!(
            price_in(1e-18, Currency::Eth),
            format!("<0.0000000000000001{NBSP}ETH")
        );
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
        assert_eq!(Trend::of(f64::NAN), Trend::Unknown);
    }

    #[test]
    fn compact_money_uses_three_significant_digits() {
        assert_eq!(compact_money(1.59e12), "$1.59T");
        assert_eq!(compact_money(1_590_123_456_789.0), "$1.59T");
        assert_eq!(compact_money(980.2e9), "$980B");
        assert_eq!(compact_money(12_345_678.0), "$12.3M");
        assert_eq!(compact_money(45_600.0), "$45.6K");
        assert_eq!(compact_money(1e13), "$10.0T");
        assert_eq!(compact_money(2.5e15), "$2,500T");
        assert_eq!(compact_money(999.5), "$999.50");
        assert_eq!(compact_money(0.0), "$0.00");
        assert_eq!(compact_money(-2e9), "-$2.00B");
        assert_eq!(compact_money(999_960_000_000.0), "$1.00T");
        assert_eq!(compact_money(999_400_000_000.0), "$999B");
        assert_eq!(compact_money(Some(3e6)), "$3.00M");
    }

    #[test]
    fn a_cap_column_has_the_same_digits_for_the_same_magnitude() {
        // Issue #13: "$63B next to $42.4B".
        assert_eq!(compact_money(63e9), "$63.0B");
        assert_eq!(compact_money(42.4e9), "$42.4B");
        assert_eq!(compact_money(1e9), "$1.00B");
        assert_eq!(compact_money(1.5e9), "$1.50B");
    }

    #[test]
    fn compact_amounts_in_every_currency() {
        assert_eq!(compact_in(63e9, Currency::Eur), "€63.0B");
        assert_eq!(compact_in(1.2e12, Currency::Gbp), "£1.20T");
        assert_eq!(compact_in(9.87e12, Currency::Jpy), "¥9.87T");
        assert_eq!(compact_in(-45_600.0, Currency::Jpy), "-¥45.6K");
        assert_eq!(compact_in(19.8e6, Currency::Btc), format!("19.8M{NBSP}BTC"));
        assert_eq!(compact_in(512.0, Currency::Eth), format!("512.0{NBSP}ETH"));
        assert_eq!(compact_in(999.0, Currency::Jpy), "¥999");
        assert_eq!(compact_in(f64::NAN, Currency::Eur), MISSING);
    }

    #[test]
    fn compact_number_for_supplies() {
        assert_eq!(compact_number(19_800_000.0), "19.8M");
        assert_eq!(compact_number(21_000_000.0), "21.0M");
        assert_eq!(compact_number(950.0), "950");
        assert_eq!(compact_number(0.5), "0.5");
        assert_eq!(compact_number(0.0), "0");
        assert_eq!(compact_number(1_200_i64), "1.20K");
        assert_eq!(compact_number(-1.5e9), "-1.50B");
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
        assert_eq!(signed_percent(-4.2249), "-4.22%");
        assert_eq!(signed_percent(-87.5), "-87.50%");
        assert_eq!(signed_percent(0.5), "+0.50%");
        assert_eq!(percent(52.345), "52.3%");
        assert_eq!(Trend::of(0.004), Trend::Flat);
        assert_eq!(Trend::of(0.02), Trend::Up);
        assert_eq!(Trend::of(-2.0), Trend::Down);
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
