//! The market domain: coins, snapshots, the listing's query and selection, and price
//! history. No HTTP and no SQL in here.

pub mod coin;
pub mod coin_id;
pub mod directory;
pub mod listing;
pub mod price_history;
pub mod rates;
pub mod snapshot;

pub use coin::{Coin, Extreme};
pub use coin_id::CoinId;
pub use directory::{CoinDirectory, ListedCoin, Needle};
pub use price_history::{ChartRange, PricePoint, Series};
pub use rates::ExchangeRates;
pub use snapshot::{GlobalFigures, GlobalScope, MarketData, Snapshot, SourceKind};
