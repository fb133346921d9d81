//! A coin's identifier, as CoinGecko spells it (`bitcoin`, `usd-coin`, `wrapped-steth`).
//!
//! Ids become URL path segments and database keys, so only a narrow alphabet gets past the
//! edge: lowercase ASCII letters and digits, `-`, `_` and `.`, starting with a letter or digit
//! (so `.` and `..` can never be an id), at most 100 characters.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CoinId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a coin id: expected 1 to {max} lowercase letters, digits, '-', '_' or '.', starting with a letter or digit", max = CoinId::MAX_LEN)]
pub struct InvalidCoinId;

impl CoinId {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, InvalidCoinId> {
        let valid_first = raw
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let valid_rest = raw.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
        if valid_first && valid_rest && raw.len() <= Self::MAX_LEN {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidCoinId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CoinId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CoinId {
    type Error = InvalidCoinId;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CoinId> for String {
    fn from(id: CoinId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_coingecko_ids_parse() {
        for id in [
            "bitcoin",
            "usd-coin",
            "wrapped-steth",
            "0x",
            "1inch",
            "crypto-com-chain",
            "bridged_usdc",
            "a.b",
        ] {
            assert_eq!(CoinId::parse(id).expect(id).as_str(), id);
        }
    }

    #[test]
    fn anything_that_could_escape_a_path_or_query_is_refused() {
        for bad in [
            "",
            ".",
            "..",
            "-x",
            "Bitcoin",
            "bit coin",
            "bit/coin",
            "bit%2Fcoin",
            "bit?coin",
            "bit\ncoin",
            "бит",
            "<script>",
            "a\\b",
        ] {
            assert_eq!(
                CoinId::parse(bad),
                Err(InvalidCoinId),
                "{bad:?} was accepted"
            );
        }
        assert!(CoinId::parse(&"a".repeat(100)).is_ok());
        assert!(CoinId::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn deserializing_checks_the_id_too() {
        assert!(serde_json::from_str::<CoinId>("\"bitcoin\"").is_ok());
        assert!(serde_json::from_str::<CoinId>("\"../etc\"").is_err());
    }
}
