//! The formatting functions of [`crate::format`] as Askama filters.
//!
//! A template module brings them into scope with `use shared_ui::filters;`, then writes
//! `{{ coin.price|money(cur) }}`, `{{ coin.change_24h|signed_percent }}` and so on. Amounts
//! of money are in US dollars; `cur` (an [`InCurrency`]) converts them to the page's currency
//! and formats them as that currency is written.

use crate::currency::InCurrency;
use crate::format::{self, MaybeNumber};
use askama::Values;

/// A price, converted: `$64,231.50`, `€0.2580`, `¥9,876,543`, `0.05123 BTC`.
#[askama::filter_fn]
pub fn money(value: impl MaybeNumber, _: &dyn Values, cur: &InCurrency) -> askama::Result<String> {
    Ok(cur.price(value))
}

/// A large amount, converted and compact: `$1.59T`, `€63.0B`, `19.8M BTC`.
#[askama::filter_fn]
pub fn compact_money(
    value: impl MaybeNumber,
    _: &dyn Values,
    cur: &InCurrency,
) -> askama::Result<String> {
    Ok(cur.compact(value))
}

#[askama::filter_fn]
pub fn compact_number(value: impl MaybeNumber, _: &dyn Values) -> askama::Result<String> {
    Ok(format::compact_number(value))
}

#[askama::filter_fn]
pub fn grouped(value: impl MaybeNumber, _: &dyn Values) -> askama::Result<String> {
    Ok(format::grouped(value))
}

#[askama::filter_fn]
pub fn signed_percent(value: impl MaybeNumber, _: &dyn Values) -> askama::Result<String> {
    Ok(format::signed_percent(value))
}

#[askama::filter_fn]
pub fn percent(value: impl MaybeNumber, _: &dyn Values) -> askama::Result<String> {
    Ok(format::percent(value))
}

#[askama::filter_fn]
pub fn utc_datetime(unix_seconds: &i64, _: &dyn Values) -> askama::Result<String> {
    Ok(format::utc_datetime(*unix_seconds))
}

#[askama::filter_fn]
pub fn utc_date(unix_seconds: &i64, _: &dyn Values) -> askama::Result<String> {
    Ok(format::utc_date(*unix_seconds))
}

#[askama::filter_fn]
pub fn relative_time(unix_seconds: &i64, _: &dyn Values) -> askama::Result<String> {
    Ok(format::relative_time(*unix_seconds, format::now_unix()))
}
