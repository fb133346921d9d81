//! The currencies a visitor can read prices in, and how an amount in US dollars (what the
//! market data holds) is shown in one of them.

use crate::format::{self, MaybeNumber};

/// A currency prices can be shown in. Market data is in US dollars; every other currency is
/// converted at a rate (see [`InCurrency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Currency {
    #[default]
    Usd,
    Eur,
    Gbp,
    Jpy,
    Btc,
    Eth,
}

/// Where a currency's sign goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// Before the amount: `$1.50`, `€1.50`.
    Prefix(&'static str),
    /// After the amount, as a unit: `0.0512 BTC`.
    Suffix(&'static str),
}

impl Currency {
    pub const ALL: [Self; 6] = [
        Self::Usd,
        Self::Eur,
        Self::Gbp,
        Self::Jpy,
        Self::Btc,
        Self::Eth,
    ];

    /// The lower-case code used in URLs, cookies and the provider's rates: `usd`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Usd => "usd",
            Self::Eur => "eur",
            Self::Gbp => "gbp",
            Self::Jpy => "jpy",
            Self::Btc => "btc",
            Self::Eth => "eth",
        }
    }

    /// The code as people read it: `USD`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Usd => "USD",
            Self::Eur => "EUR",
            Self::Gbp => "GBP",
            Self::Jpy => "JPY",
            Self::Btc => "BTC",
            Self::Eth => "ETH",
        }
    }

    /// What amounts are "in": `US dollars`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Usd => "US dollars",
            Self::Eur => "euros",
            Self::Gbp => "British pounds",
            Self::Jpy => "Japanese yen",
            Self::Btc => "bitcoin",
            Self::Eth => "ether",
        }
    }

    /// A currency code as a visitor or a cookie gives it (`eur`, `EUR`, ` Eur `), or `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(text))
    }

    pub fn sign(self) -> Sign {
        match self {
            Self::Usd => Sign::Prefix("$"),
            Self::Eur => Sign::Prefix("€"),
            Self::Gbp => Sign::Prefix("£"),
            Self::Jpy => Sign::Prefix("¥"),
            Self::Btc => Sign::Suffix("BTC"),
            Self::Eth => Sign::Suffix("ETH"),
        }
    }

    /// Whether amounts are counted in a cryptocurrency, shown by significant digits rather
    /// than in minor units.
    pub fn is_crypto(self) -> bool {
        matches!(self, Self::Btc | Self::Eth)
    }

    /// Decimals of a fiat amount of one unit and more: cents, or none for the yen.
    pub fn minor_decimals(self) -> usize {
        match self {
            Self::Jpy => 0,
            _ => 2,
        }
    }
}

/// How the amounts of a page are shown: in `currency`, converted from US dollars at
/// `per_usd` units of it to the dollar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InCurrency {
    pub currency: Currency,
    pub per_usd: f64,
}

impl Default for InCurrency {
    fn default() -> Self {
        Self::USD
    }
}

impl InCurrency {
    pub const USD: Self = Self {
        currency: Currency::Usd,
        per_usd: 1.0,
    };

    /// `usd` dollars in this currency.
    pub fn convert(&self, usd: impl MaybeNumber) -> Option<f64> {
        usd.finite()
            .map(|v| v * self.per_usd)
            .filter(|v| v.is_finite())
    }

    /// A price or small amount, converted and formatted ([`format::price_in`]).
    pub fn price(&self, usd: impl MaybeNumber) -> String {
        format::price_in(self.convert(usd), self.currency)
    }

    /// A large amount (a market cap, a volume), converted and formatted
    /// ([`format::compact_in`]).
    pub fn compact(&self, usd: impl MaybeNumber) -> String {
        format::compact_in(self.convert(usd), self.currency)
    }

    pub fn code(&self) -> &'static str {
        self.currency.code()
    }

    pub fn label(&self) -> &'static str {
        self.currency.label()
    }

    pub fn name(&self) -> &'static str {
        self.currency.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_in_any_case_and_junk_does_not() {
        assert_eq!(Currency::parse("eur"), Some(Currency::Eur));
        assert_eq!(Currency::parse(" JPY "), Some(Currency::Jpy));
        assert_eq!(Currency::parse("Btc"), Some(Currency::Btc));
        assert_eq!(Currency::parse("usd"), Some(Currency::Usd));
        assert_eq!(Currency::parse(""), None);
        assert_eq!(Currency::parse("xyz"), None);
        assert_eq!(Currency::parse("eur;"), None);
        assert_eq!(Currency::parse("€"), None);
        for currency in Currency::ALL {
            assert_eq!(Currency::parse(currency.code()), Some(currency));
            assert_eq!(Currency::parse(currency.label()), Some(currency));
        }
    }

    #[test]
    fn amounts_convert_at_the_rate() {
        let eur = InCurrency {
            currency: Currency::Eur,
            per_usd: 0.5,
        };
        assert_eq!(eur.convert(10.0), Some(5.0));
        assert_eq!(eur.convert(None::<f64>), None);
        assert_eq!(eur.price(64_231.5), "€32,115.75");
        assert_eq!(eur.compact(2e12), "€1.00T");
        assert_eq!(eur.price(f64::NAN), format::MISSING);
        let overflow = InCurrency {
            currency: Currency::Jpy,
            per_usd: f64::MAX,
        };
        assert_eq!(overflow.price(10.0), format::MISSING);
        assert_eq!(InCurrency::USD.price(1.5), "$1.50");
    }
}
