//! Every coin the provider knows (`/coins/list`: id, symbol and name, about 17,000), and the
//! search over names and symbols that the listing uses for ranked and long-tail coins alike.
//!
//! Search ranks a match by how well it fits what was typed: the exact symbol first, then the
//! exact name, then names and symbols that start with it, then words of the name that start
//! with it, then anything that merely contains it. Spaces do not matter ("doge coin" finds
//! Dogecoin), and every word typed must match ("wrapped bit" finds Wrapped Bitcoin).

use super::CoinId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One entry of the provider's coin list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedCoin {
    pub id: CoinId,
    pub symbol: String,
    pub name: String,
}

/// How well a coin matches a search; smaller is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchQuality {
    ExactSymbol,
    ExactName,
    SymbolPrefix,
    NamePrefix,
    WordPrefix,
    Contains,
}

/// A search as the matcher needs it: lower-case, with and without spaces, and by word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    whole: String,
    squashed: String,
    words: Vec<String>,
}

impl Needle {
    /// `None` when nothing searchable was typed.
    pub fn new(typed: &str) -> Option<Self> {
        let whole = typed.trim().to_lowercase();
        let words: Vec<String> = whole.split_whitespace().map(str::to_owned).collect();
        let squashed: String = words.concat();
        (!squashed.is_empty()).then_some(Self {
            whole: words.join(" "),
            squashed,
            words,
        })
    }

    /// How well `(id, symbol, name)` matches, or `None`.
    pub fn quality(&self, id: &str, symbol: &str, name: &str) -> Option<MatchQuality> {
        let symbol = symbol.to_lowercase();
        let name = name.to_lowercase();
        let squashed_name: String = name.split_whitespace().collect();
        if symbol == self.squashed {
            return Some(MatchQuality::ExactSymbol);
        }
        if name == self.whole || squashed_name == self.squashed {
            return Some(MatchQuality::ExactName);
        }
        if symbol.starts_with(&self.squashed) {
            return Some(MatchQuality::SymbolPrefix);
        }
        if name.starts_with(&self.whole) || squashed_name.starts_with(&self.squashed) {
            return Some(MatchQuality::NamePrefix);
        }
        let name_words: Vec<&str> = name
            .split(|c: char| c.is_whitespace() || c == '-' || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        let every_word_starts_a_name_word = self
            .words
            .iter()
            .all(|w| name_words.iter().any(|n| n.starts_with(w.as_str())));
        if every_word_starts_a_name_word {
            return Some(MatchQuality::WordPrefix);
        }
        let contains = |w: &str| name.contains(w) || symbol.contains(w) || id.contains(w);
        if squashed_name.contains(&self.squashed) || self.words.iter().all(|w| contains(w)) {
            return Some(MatchQuality::Contains);
        }
        None
    }
}

/// The coin list, as pages search it.
#[derive(Debug, Clone, Default)]
pub struct CoinDirectory {
    coins: Vec<ListedCoin>,
    /// Where each id is in `coins`.
    by_id: HashMap<CoinId, usize>,
    /// When the list was fetched (unix seconds); `None` before the first fetch.
    fetched_at: Option<i64>,
}

impl CoinDirectory {
    pub fn new(coins: Vec<ListedCoin>, fetched_at: Option<i64>) -> Self {
        let by_id = coins
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        Self {
            coins,
            by_id,
            fetched_at,
        }
    }

    pub fn len(&self) -> usize {
        self.coins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.coins.is_empty()
    }

    pub fn fetched_at(&self) -> Option<i64> {
        self.fetched_at
    }

    pub fn contains(&self, id: &CoinId) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn get(&self, id: &CoinId) -> Option<&ListedCoin> {
        self.by_id.get(id).map(|&i| &self.coins[i])
    }

    /// Coins matching `needle` that `skip` does not exclude (the ranked ones, shown
    /// already), best matches first, then by name; at most `limit`, and how many matched.
    pub fn search(
        &self,
        needle: &Needle,
        skip: impl Fn(&CoinId) -> bool,
        limit: usize,
    ) -> (Vec<&ListedCoin>, usize) {
        let mut found: Vec<(MatchQuality, &ListedCoin)> = self
            .coins
            .iter()
            .filter(|c| !skip(&c.id))
            .filter_map(|c| {
                needle
                    .quality(c.id.as_str(), &c.symbol, &c.name)
                    .map(|q| (q, c))
            })
            .collect();
        let matched = found.len();
        found.sort_by(|(qa, a), (qb, b)| {
            qa.cmp(qb)
                .then_with(|| a.name.len().cmp(&b.name.len()))
                .then_with(|| a.name.cmp(&b.name))
        });
        (
            found.into_iter().take(limit).map(|(_, c)| c).collect(),
            matched,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(typed: &str, symbol: &str, name: &str) -> Option<MatchQuality> {
        Needle::new(typed).expect("a needle").quality(
            &name.to_lowercase().replace(' ', "-"),
            symbol,
            name,
        )
    }

    #[test]
    fn the_exact_symbol_beats_a_name_that_merely_contains_it() {
        assert_eq!(q("eth", "eth", "Ethereum"), Some(MatchQuality::ExactSymbol));
        assert_eq!(q("eth", "usdt", "Tether"), Some(MatchQuality::Contains));
        assert!(q("eth", "eth", "Ethereum") < q("eth", "usdt", "Tether"));
        assert!(q("eth", "steth", "Lido Staked Ether") < q("eth", "usdt", "Tether"));
    }

    #[test]
    fn spacing_and_several_words_work() {
        assert_eq!(
            q("doge coin", "doge", "Dogecoin"),
            Some(MatchQuality::ExactName)
        );
        assert_eq!(
            q("wrapped bit", "wbtc", "Wrapped Bitcoin"),
            Some(MatchQuality::NamePrefix)
        );
        assert_eq!(
            q("staked ether", "steth", "Lido Staked Ether"),
            Some(MatchQuality::WordPrefix)
        );
        assert_eq!(q("bitcoin gold", "eth", "Ethereum"), None);
    }

    #[test]
    fn search_skips_what_is_shown_already_and_ranks_the_rest() {
        let coin = |id: &str, symbol: &str, name: &str| ListedCoin {
            id: CoinId::parse(id).expect("id"),
            symbol: symbol.into(),
            name: name.into(),
        };
        let directory = CoinDirectory::new(
            vec![
                coin("tether", "usdt", "Tether"),
                coin("ethereum", "eth", "Ethereum"),
                coin("ethereum-pow", "ethw", "EthereumPoW"),
                coin("eth-2x", "eth2x", "ETH 2x Flexible Leverage"),
            ],
            Some(1),
        );
        let needle = Needle::new("ETH").expect("needle");
        let (found, matched) = directory.search(&needle, |id| id.as_str() == "ethereum", 10);
        let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["ethereum-pow", "eth-2x", "tether"]);
        assert_eq!(matched, 3);
        assert!(directory.contains(&CoinId::parse("tether").expect("id")));
    }
}
