//! Exchange rates: how many units of each currency one US dollar buys. Market data is in
//! dollars; pages in another currency convert at these rates. One answer of the provider's
//! `/exchange_rates` (or the demo's table) covers every currency.

use serde::{Deserialize, Serialize};
use shared_ui::{Currency, InCurrency};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRates {
    /// When they were fetched (unix seconds).
    pub fetched_at: i64,
    /// Units per US dollar, by currency code (`"eur"`: 0.92). Only finite, positive rates.
    per_usd: BTreeMap<String, f64>,
}

impl ExchangeRates {
    /// The rates given, less any that are not a finite, positive number.
    pub fn new(fetched_at: i64, per_usd: impl IntoIterator<Item = (Currency, f64)>) -> Self {
        Self {
            fetched_at,
            per_usd: per_usd
                .into_iter()
                .filter(|(_, rate)| rate.is_finite() && *rate > 0.0)
                .map(|(currency, rate)| (currency.code().to_owned(), rate))
                .collect(),
        }
    }

    /// Units of `currency` per US dollar; a dollar is always a dollar.
    pub fn per_usd(&self, currency: Currency) -> Option<f64> {
        match currency {
            Currency::Usd => Some(1.0),
            other => self.per_usd.get(other.code()).copied(),
        }
    }

    /// How a page shows amounts in `currency`, if there is a rate for it.
    pub fn in_currency(&self, currency: Currency) -> Option<InCurrency> {
        self.per_usd(currency)
            .map(|per_usd| InCurrency { currency, per_usd })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_usable_rates_are_kept_and_a_dollar_is_a_dollar() {
        let rates = ExchangeRates::new(
            0,
            [
                (Currency::Eur, 0.92),
                (Currency::Gbp, f64::NAN),
                (Currency::Jpy, -1.0),
                (Currency::Btc, 1.0 / 64_000.0),
            ],
        );
        assert_eq!(rates.per_usd(Currency::Eur), Some(0.92));
        assert_eq!(rates.per_usd(Currency::Gbp), None);
        assert_eq!(rates.per_usd(Currency::Jpy), None);
        assert_eq!(rates.per_usd(Currency::Usd), Some(1.0));
        assert_eq!(
            rates.in_currency(Currency::Btc),
            Some(InCurrency {
                currency: Currency::Btc,
                per_usd: 1.0 / 64_000.0
            })
        );
    }
}
