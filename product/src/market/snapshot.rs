//! The market snapshot: every listed coin at one moment, with the global figures. Pages read
//! it from memory; a refresh builds a new one and swaps it in whole.

use super::{Coin, CoinId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where market data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    CoinGecko,
    Demo,
}

impl SourceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::CoinGecko => "coingecko",
            Self::Demo => "demo",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "coingecko" => Some(Self::CoinGecko),
            "demo" => Some(Self::Demo),
            _ => None,
        }
    }
}

/// Figures for the whole market, as the overview shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalFigures {
    pub total_market_cap: Option<f64>,
    pub total_volume: Option<f64>,
    /// Bitcoin's share of the total market cap, in percent.
    pub btc_dominance: Option<f64>,
    pub coin_count: Option<u32>,
    pub scope: GlobalScope,
}

/// What the global figures cover, so pages can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GlobalScope {
    /// Every coin the source tracks (CoinGecko's `/global`).
    WholeMarket,
    /// Summed over the coins in the snapshot, when the source gave no global figures.
    ListedCoins,
}

impl GlobalFigures {
    /// Figures summed over `coins`, for when the source has none of its own.
    pub fn from_listed(coins: &[Coin]) -> Self {
        let total_market_cap = sum(coins.iter().filter_map(|c| c.market_cap));
        let btc = coins
            .iter()
            .find(|c| c.id.as_str() == "bitcoin")
            .and_then(|c| c.market_cap);
        Self {
            total_market_cap,
            total_volume: sum(coins.iter().filter_map(|c| c.volume_24h)),
            btc_dominance: match (btc, total_market_cap) {
                (Some(btc), Some(total)) if total > 0.0 => Some(btc / total * 100.0),
                _ => None,
            },
            coin_count: u32::try_from(coins.len()).ok(),
            scope: GlobalScope::ListedCoins,
        }
    }
}

fn sum(values: impl Iterator<Item = f64>) -> Option<f64> {
    values.fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

/// What a source answers for the whole market.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketData {
    pub coins: Vec<Coin>,
    pub global: Option<GlobalFigures>,
    /// Unix seconds: when these prices were current.
    pub as_of: i64,
    /// Entries the source listed but sent in a form that could not be read, by id where the
    /// id itself could be read (`None` where not).
    pub unreadable: Vec<Option<CoinId>>,
}

impl MarketData {
    pub fn new(coins: Vec<Coin>, global: Option<GlobalFigures>, as_of: i64) -> Self {
        Self {
            coins,
            global,
            as_of,
            unreadable: Vec::new(),
        }
    }

    /// Makes a messy answer change nothing a visitor sees, using the `previous` snapshot:
    /// a figure the source sent as missing keeps its last good value; a coin sent unreadable
    /// keeps its last good figures; and for each entry whose id could not even be read, the
    /// best-ranked previous coin absent from the answer stays listed. Returns how many
    /// coins were kept or patched.
    pub fn keep_last_good_from(&mut self, previous: &Snapshot) -> usize {
        let mut kept = 0;
        for coin in &mut self.coins {
            if let Some(before) = previous.coin(&coin.id) {
                kept += usize::from(coin.fill_gaps_from(before));
            }
        }
        let unreadable = std::mem::take(&mut self.unreadable);
        let unidentified = unreadable.iter().filter(|id| id.is_none()).count();
        for id in unreadable.into_iter().flatten() {
            if !self.coins.iter().any(|c| c.id == id)
                && let Some(coin) = previous.coin(&id)
            {
                self.coins.push(coin.clone());
                kept += 1;
            }
        }
        if unidentified > 0 {
            // The previous snapshot is in rank order, so these are the best-ranked absentees.
            let absent: Vec<Coin> = previous
                .coins()
                .iter()
                .filter(|c| !self.coins.iter().any(|n| n.id == c.id))
                .take(unidentified)
                .cloned()
                .collect();
            kept += absent.len();
            self.coins.extend(absent);
        }
        kept
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    version: u64,
    as_of: Option<i64>,
    source: SourceKind,
    global: GlobalFigures,
    coins: Vec<Coin>,
    by_id: HashMap<CoinId, usize>,
}

impl Snapshot {
    /// What pages see before any market data was ever fetched.
    pub fn empty(source: SourceKind) -> Self {
        Self {
            version: 0,
            as_of: None,
            source,
            global: GlobalFigures::from_listed(&[]),
            coins: Vec::new(),
            by_id: HashMap::new(),
        }
    }

    /// A snapshot of `data`, numbered `version` (which only ever grows). Coins are put in rank
    /// order, unranked ones last by market cap; a repeated id keeps its first occurrence.
    pub fn new(version: u64, source: SourceKind, data: MarketData) -> Self {
        let mut coins = data.coins;
        coins.sort_by(|a, b| {
            let by_rank = match (a.rank, b.rank) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by_rank.then_with(|| {
                b.market_cap
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&a.market_cap.unwrap_or(f64::NEG_INFINITY))
            })
        });
        let mut by_id = HashMap::with_capacity(coins.len());
        coins.retain(|coin| {
            if by_id.contains_key(&coin.id) {
                log::warn!(coin = coin.id.as_str(); "market data lists a coin twice; keeping the first");
                return false;
            }
            by_id.insert(coin.id.clone(), by_id.len());
            true
        });
        let global = data
            .global
            .unwrap_or_else(|| GlobalFigures::from_listed(&coins));
        Self {
            version,
            as_of: Some(data.as_of),
            source,
            global,
            coins,
            by_id,
        }
    }

    /// Increases with every new snapshot; caches of rendered pages can key on it.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the prices were current (unix seconds); `None` for the empty snapshot.
    pub fn as_of(&self) -> Option<i64> {
        self.as_of
    }

    pub fn source(&self) -> SourceKind {
        self.source
    }

    pub fn global(&self) -> &GlobalFigures {
        &self.global
    }

    /// Every coin, in rank order.
    pub fn coins(&self) -> &[Coin] {
        &self.coins
    }

    pub fn coin(&self, id: &CoinId) -> Option<&Coin> {
        self.by_id.get(id).map(|&i| &self.coins[i])
    }

    /// Where the coin `id` is in [`Snapshot::coins`].
    pub fn index_of(&self, id: &CoinId) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.coins.is_empty()
    }

    /// What this snapshot holds, as a source's answer: the start of the next one. Global
    /// figures summed over the listed coins are left out, to be summed afresh.
    fn to_data(&self) -> MarketData {
        MarketData::new(
            self.coins.clone(),
            (self.global.scope == GlobalScope::WholeMarket).then(|| self.global.clone()),
            self.as_of.unwrap_or_default(),
        )
    }

    /// The next snapshot's data when a page of the ranked listing, covering `ranks`, arrives
    /// as `fresh`: the page's coins replace those that held its ranks (and any other place of
    /// the same coins), the rest stay. The top page's time becomes the snapshot's as-of time;
    /// another page keeps it (its coins carry their own times).
    pub fn with_page(
        &self,
        ranks: std::ops::RangeInclusive<u32>,
        mut fresh: MarketData,
        top_page: bool,
    ) -> MarketData {
        fresh
            .coins
            .retain(|c| c.rank.is_none_or(|rank| rank <= *ranks.end()));
        let fresh_ids: std::collections::HashSet<&CoinId> =
            fresh.coins.iter().map(|c| &c.id).collect();
        let mut coins: Vec<Coin> = self
            .coins
            .iter()
            .filter(|c| !c.rank.is_some_and(|r| ranks.contains(&r)) && !fresh_ids.contains(&c.id))
            .cloned()
            .collect();
        coins.append(&mut fresh.coins);
        let mut next = self.to_data();
        next.coins = coins;
        if top_page || self.as_of.is_none() {
            next.as_of = fresh.as_of;
        }
        next
    }

    /// The next snapshot's data with the source's `global` figures.
    pub fn with_global(&self, global: GlobalFigures) -> MarketData {
        let mut next = self.to_data();
        next.global = Some(global);
        next
    }

    /// The next snapshot's data when the page covering `ranks` failed: its coins keep their
    /// figures and say from when (their last update, else `fallback`). `None` when they say
    /// so already.
    pub fn with_page_kept(
        &self,
        ranks: std::ops::RangeInclusive<u32>,
        fallback: i64,
    ) -> Option<MarketData> {
        let mut next = self.to_data();
        let mut changed = false;
        for coin in &mut next.coins {
            if coin.rank.is_some_and(|r| ranks.contains(&r)) && coin.kept_from.is_none() {
                coin.kept_from = Some(coin.last_updated.unwrap_or(fallback));
                changed = true;
            }
        }
        changed.then_some(next)
    }

    /// Whether the prices are older than `max_age_secs` at `now` (an empty snapshot is not
    /// stale: it has no prices to be wrong about).
    pub fn is_stale(&self, now: i64, max_age_secs: u64) -> bool {
        self.as_of.is_some_and(|as_of| {
            now.saturating_sub(as_of) > i64::try_from(max_age_secs).unwrap_or(i64::MAX)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::coin::sample;

    fn data(coins: Vec<Coin>) -> MarketData {
        MarketData::new(coins, None, 1_800_000_000)
    }

    #[test]
    fn a_messy_answer_keeps_the_last_good_figures_and_coins() {
        let ranked = |id: &str, rank: u32| {
            let mut c = sample(id);
            c.rank = Some(rank);
            c.price = Some(f64::from(rank) * 10.0);
            c.last_updated = Some(100);
            c
        };
        let previous = Snapshot::new(
            1,
            SourceKind::CoinGecko,
            data(vec![
                ranked("bitcoin", 1),
                ranked("ethereum", 2),
                ranked("ripple", 3),
                ranked("solana", 4),
            ]),
        );
        let mut btc = ranked("bitcoin", 1);
        btc.price = None;
        btc.last_updated = Some(200);
        let mut next = data(vec![btc, ranked("solana", 4)]);
        next.unreadable = vec![
            Some(CoinId::parse("ethereum").expect("id")),
            None,
            Some(CoinId::parse("gone").expect("id")),
        ];
        assert_eq!(next.keep_last_good_from(&previous), 3);
        let ids: Vec<&str> = next.coins.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["bitcoin", "solana", "ethereum", "ripple"]);
        let btc = &next.coins[0];
        assert_eq!(
            btc.price,
            Some(10.0),
            "a missing price keeps the last good one"
        );
        assert_eq!(btc.last_updated, Some(100), "with the time of that price");
    }

    #[test]
    fn coins_are_in_rank_order_with_unranked_last_and_duplicates_dropped() {
        let mut a = sample("aaa");
        a.rank = Some(2);
        let mut b = sample("bbb");
        b.rank = Some(1);
        let mut c = sample("ccc");
        c.market_cap = Some(5.0);
        let d = sample("ddd");
        let mut dup = sample("bbb");
        dup.rank = Some(3);
        let snapshot = Snapshot::new(7, SourceKind::Demo, data(vec![d, a, c, b, dup]));
        let ids: Vec<_> = snapshot.coins().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["bbb", "aaa", "ccc", "ddd"]);
        assert_eq!(
            snapshot
                .coin(&CoinId::parse("bbb").expect("id"))
                .and_then(|c| c.rank),
            Some(1)
        );
        assert_eq!(snapshot.version(), 7);
    }

    #[test]
    fn a_page_replaces_its_ranks_and_a_failed_page_keeps_its_rows_with_their_time() {
        let ranked = |id: &str, rank: u32| {
            let mut c = sample(id);
            c.rank = Some(rank);
            c
        };
        let start = Snapshot::new(
            1,
            SourceKind::CoinGecko,
            MarketData::new(
                vec![
                    ranked("a", 1),
                    ranked("b", 2),
                    ranked("c", 3),
                    ranked("d", 4),
                ],
                None,
                100,
            ),
        );
        // Page 2 covers ranks 3-4; "b" moved down into it and "e" is new there.
        let fresh = MarketData::new(
            vec![ranked("b", 3), ranked("e", 4), ranked("f", 5)],
            None,
            200,
        );
        let next = Snapshot::new(
            2,
            SourceKind::CoinGecko,
            start.with_page(3..=4, fresh, false),
        );
        let ids: Vec<&str> = next.coins().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "e"], "rank 5 is past the listing");
        assert_eq!(
            next.as_of(),
            Some(100),
            "only the top page moves the as-of time"
        );
        let kept = Snapshot::new(
            3,
            SourceKind::CoinGecko,
            next.with_page_kept(3..=4, 200).expect("changed"),
        );
        assert_eq!(kept.coins()[1].kept_from, Some(200));
        assert_eq!(kept.coins()[0].kept_from, None);
        assert!(kept.with_page_kept(3..=4, 200).is_none(), "marked once");
    }

    #[test]
    fn global_figures_fall_back_to_the_listed_coins() {
        let mut btc = sample("bitcoin");
        btc.market_cap = Some(60.0);
        btc.volume_24h = Some(1.0);
        let mut eth = sample("ethereum");
        eth.market_cap = Some(40.0);
        let snapshot = Snapshot::new(1, SourceKind::Demo, data(vec![btc, eth]));
        let global = snapshot.global();
        assert_eq!(global.total_market_cap, Some(100.0));
        assert_eq!(global.total_volume, Some(1.0));
        assert_eq!(global.btc_dominance, Some(60.0));
        assert_eq!(global.coin_count, Some(2));
        assert_eq!(global.scope, GlobalScope::ListedCoins);
    }

    #[test]
    fn staleness_is_judged_from_the_as_of_time() {
        let snapshot = Snapshot::new(1, SourceKind::Demo, data(vec![sample("bitcoin")]));
        assert!(!snapshot.is_stale(1_800_000_600, 600));
        assert!(snapshot.is_stale(1_800_000_601, 600));
        assert!(!Snapshot::empty(SourceKind::Demo).is_stale(i64::MAX, 0));
    }
}
