//! What a live price event says: per coin the price and changes exactly as the pages format
//! them (the same functions the templates' filters call), and the snapshot's time. A stream
//! sends everything first, then only what changed.

use crate::market::{Coin, CoinId, Snapshot};
use crate::routes::as_of::AsOf;
use crate::routes::coin_table::Change;
use serde::Serialize;
use shared_ui::InCurrency;
use shared_ui::format::signed_percent;
use std::collections::{BTreeMap, HashMap};

/// One change as a cell shows it: `+1.23%`, its direction (the CSS class), arrow and word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ChangeFigure {
    text: String,
    direction: &'static str,
    arrow: &'static str,
    word: &'static str,
}

impl ChangeFigure {
    fn new(value: Option<f64>) -> Self {
        let change = Change::new(value);
        Self {
            text: signed_percent(value),
            direction: change.direction.class(),
            arrow: change.arrow(),
            word: change.word(),
        }
    }
}

/// A coin's figures in the page's currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CoinFigures {
    price: String,
    /// By period: `1h`, `24h`, `7d`.
    changes: BTreeMap<&'static str, ChangeFigure>,
}

impl CoinFigures {
    fn of(coin: &Coin, cur: InCurrency) -> Self {
        Self {
            price: cur.price(coin.price),
            changes: BTreeMap::from([
                ("1h", ChangeFigure::new(coin.change_1h)),
                ("24h", ChangeFigure::new(coin.change_24h)),
                ("7d", ChangeFigure::new(coin.change_7d)),
            ]),
        }
    }
}

/// The snapshot's time as "Prices as of …" shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Updated {
    text: String,
    machine: String,
    relative: String,
}

impl From<AsOf> for Updated {
    fn from(as_of: AsOf) -> Self {
        Self {
            text: as_of.text,
            machine: as_of.machine,
            relative: as_of.relative,
        }
    }
}

/// One event's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Update {
    updated: Option<Updated>,
    coins: BTreeMap<String, CoinFigures>,
}

/// What one stream has sent, so that the next event carries only what changed.
pub(crate) struct Figures {
    ids: Vec<CoinId>,
    cur: InCurrency,
    sent: HashMap<CoinId, CoinFigures>,
    sent_as_of: Option<i64>,
    started: bool,
}

impl Figures {
    pub(crate) fn new(ids: Vec<CoinId>, cur: InCurrency) -> Self {
        Self {
            ids,
            cur,
            sent: HashMap::new(),
            sent_as_of: None,
            started: false,
        }
    }

    /// The figures of `snapshot` that differ from those sent (all of them the first time),
    /// or `None` when nothing the page shows has changed. Coins the snapshot lacks (outside
    /// the ranked set) are left as the page has them.
    pub(crate) fn next(&mut self, snapshot: &Snapshot) -> Option<Update> {
        let mut coins = BTreeMap::new();
        let mut any_listed = false;
        for id in &self.ids {
            let Some(coin) = snapshot.coin(id) else {
                continue;
            };
            any_listed = true;
            let figures = CoinFigures::of(coin, self.cur);
            if self.sent.get(id) != Some(&figures) {
                self.sent.insert(id.clone(), figures.clone());
                coins.insert(id.as_str().to_owned(), figures);
            }
        }
        let first = !std::mem::replace(&mut self.started, true);
        // A page of coins outside the snapshot (a long-tail coin's) has its own time.
        let as_of = snapshot.as_of().filter(|_| any_listed);
        let new_time = as_of.is_some() && as_of != self.sent_as_of;
        if !first && coins.is_empty() && !new_time {
            return None;
        }
        self.sent_as_of = as_of.or(self.sent_as_of);
        Some(Update {
            updated: as_of.map(|at| AsOf::new(at).into()),
            coins,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::coin::sample;
    use crate::market::{MarketData, SourceKind};

    fn snapshot(version: u64, price: f64, as_of: i64) -> Snapshot {
        let mut bitcoin = sample("bitcoin");
        bitcoin.price = Some(price);
        bitcoin.change_24h = Some(-1.234);
        Snapshot::new(
            version,
            SourceKind::Demo,
            MarketData::new(vec![bitcoin, sample("ethereum")], None, as_of),
        )
    }

    fn ids(raw: &[&str]) -> Vec<CoinId> {
        raw.iter()
            .map(|id| CoinId::parse(id).expect("an id"))
            .collect()
    }

    #[test]
    fn the_first_update_has_every_coin_as_the_page_formats_it() {
        let mut figures = Figures::new(ids(&["bitcoin", "ethereum"]), InCurrency::USD);
        let update = figures
            .next(&snapshot(1, 64_231.5, 1_795_500_000))
            .expect("an update");
        let json = serde_json::to_value(&update).expect("json");
        assert_eq!(json["coins"]["bitcoin"]["price"], "$64,231.50");
        assert_eq!(json["coins"]["bitcoin"]["changes"]["24h"]["text"], "-1.23%");
        assert_eq!(
            json["coins"]["bitcoin"]["changes"]["24h"]["direction"],
            "down"
        );
        assert_eq!(json["coins"]["bitcoin"]["changes"]["24h"]["arrow"], "▼");
        assert_eq!(json["coins"]["bitcoin"]["changes"]["24h"]["word"], "down");
        assert!(json["coins"]["ethereum"].is_object());
        assert_eq!(json["updated"]["text"], "2026-11-24 06:00 UTC");
        assert_eq!(json["updated"]["machine"], "2026-11-24T06:00:00Z");
    }

    #[test]
    fn coins_outside_the_snapshot_get_neither_figures_nor_its_time() {
        let mut figures = Figures::new(ids(&["some-long-tail-coin"]), InCurrency::USD);
        let update = figures
            .next(&snapshot(1, 1.0, 1_795_500_000))
            .expect("a first update");
        assert_eq!(update.updated, None);
        assert!(update.coins.is_empty());
        assert_eq!(figures.next(&snapshot(2, 1.0, 1_795_500_060)), None);
    }

    #[test]
    fn later_updates_carry_only_what_changed_and_none_when_nothing_did() {
        let mut figures = Figures::new(ids(&["bitcoin", "ethereum"]), InCurrency::USD);
        figures.next(&snapshot(1, 64_231.5, 1_795_500_000));
        assert_eq!(figures.next(&snapshot(2, 64_231.5, 1_795_500_000)), None);
        let update = figures
            .next(&snapshot(3, 70_000.0, 1_795_500_060))
            .expect("an update");
        assert_eq!(update.coins.keys().collect::<Vec<_>>(), ["bitcoin"]);
        assert_eq!(update.coins["bitcoin"].price, "$70,000.00");
    }
}
