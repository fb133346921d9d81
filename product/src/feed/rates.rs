//! The exchange-rates refresh the plan schedules ([`RefreshKind::Rates`]).
//!
//! **Integration point for the currency work.** The planner gives this call its own interval
//! (`Plan::rates_interval`) and the refresher calls [`exchange_rates_call`] whenever it is
//! due. Returning `Some(call)` makes the refresher count one call against the budget, run it
//! (under the refresher's timeout), record success or failure, and reschedule it (with
//! backoff on failure, `Retry-After` honoured). The call should fetch `/exchange_rates`
//! through the source, then store and publish the rates. Returning `None` means there is
//! nothing to fetch: the slot is planned, but no call is spent.
//!
//! [`RefreshKind::Rates`]: crate::budget::RefreshKind::Rates

use super::{FetchError, MarketSource};
use futures_util::future::BoxFuture;
use std::sync::Arc;

/// The call that refreshes the exchange rates, if there is one to make. None yet.
pub fn exchange_rates_call(
    _source: &Arc<dyn MarketSource>,
) -> Option<BoxFuture<'static, Result<(), FetchError>>> {
    None
}
