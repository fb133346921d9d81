//! The snapshot pages read: held in memory and swapped whole, so a request never waits on a
//! refresh and never sees half of one. Also the exchange rates pages convert with, and the
//! site-wide banners that describe the snapshot.

use crate::copy::Text;
use crate::market::{ExchangeRates, Snapshot, SourceKind};
use arc_swap::{ArcSwap, ArcSwapOption};
use chassis::page::BannerSource;
use shared_ui::format::{now_unix, utc_datetime};
use shared_ui::{Banner, BannerKind};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct LiveMarket {
    current: ArcSwap<Snapshot>,
    /// `None` until the first rates are loaded or fetched: pages then show dollars.
    rates: ArcSwapOption<ExchangeRates>,
    /// The source this process is configured with (the snapshot may still be another's).
    configured: SourceKind,
    stale_after: Duration,
    versions: watch::Sender<u64>,
}

impl LiveMarket {
    pub fn new(initial: Snapshot, configured: SourceKind, stale_after: Duration) -> Self {
        let (versions, _) = watch::channel(initial.version());
        Self {
            current: ArcSwap::from_pointee(initial),
            rates: ArcSwapOption::empty(),
            configured,
            stale_after,
            versions,
        }
    }

    /// The current snapshot; cheap, lock-free, never blocks on a refresh.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Makes `snapshot` current unless a newer one already is (versions never go back).
    pub fn publish(&self, snapshot: Snapshot) {
        let version = snapshot.version();
        let next = Arc::new(snapshot);
        let previous = self.current.rcu(|current| {
            if current.version() < version {
                Arc::clone(&next)
            } else {
                Arc::clone(current)
            }
        });
        if previous.version() < version {
            self.versions.send_replace(version);
        }
    }

    /// The current exchange rates, if any have been loaded; cheap and lock-free.
    pub fn rates(&self) -> Option<Arc<ExchangeRates>> {
        self.rates.load_full()
    }

    /// Makes `rates` current unless newer ones already are.
    pub fn publish_rates(&self, rates: Arc<ExchangeRates>) {
        self.rates.rcu(|current| match current {
            Some(current) if current.fetched_at > rates.fetched_at => Some(Arc::clone(current)),
            _ => Some(Arc::clone(&rates)),
        });
    }

    /// Follows the current version; for tests and caches that key on it.
    pub fn versions(&self) -> watch::Receiver<u64> {
        self.versions.subscribe()
    }

    pub fn stale_after(&self) -> Duration {
        self.stale_after
    }

    fn banners_at(&self, now: i64) -> Vec<Banner> {
        let snapshot = self.snapshot();
        let mut banners = Vec::new();
        let demo = if snapshot.is_empty() {
            self.configured == SourceKind::Demo
        } else {
            snapshot.source() == SourceKind::Demo
        };
        if demo {
            banners.push(Banner {
                kind: BannerKind::Demo,
                message: Text::DemoBanner.text(),
            });
        }
        match snapshot.as_of() {
            None => banners.push(Banner {
                kind: BannerKind::Warning,
                message: Text::NotLoadedBanner.text(),
            }),
            Some(as_of) if snapshot.is_stale(now, self.stale_after.as_secs()) => {
                banners.push(Banner {
                    kind: BannerKind::Stale,
                    message: Text::StaleBanner {
                        as_of: utc_datetime(as_of),
                    }
                    .text(),
                })
            }
            Some(_) => {}
        }
        banners
    }
}

impl BannerSource for LiveMarket {
    fn banners(&self) -> Vec<Banner> {
        self.banners_at(now_unix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::MarketData;
    use crate::market::coin::sample;

    fn snapshot(version: u64, source: SourceKind, as_of: i64) -> Snapshot {
        Snapshot::new(
            version,
            source,
            MarketData::new(vec![sample("bitcoin")], None, as_of),
        )
    }

    #[test]
    fn versions_never_go_back() {
        let live = LiveMarket::new(
            Snapshot::empty(SourceKind::Demo),
            SourceKind::Demo,
            Duration::from_secs(600),
        );
        live.publish(snapshot(2, SourceKind::Demo, 0));
        live.publish(snapshot(1, SourceKind::Demo, 0));
        assert_eq!(live.snapshot().version(), 2);
        assert_eq!(*live.versions().borrow(), 2);
    }

    #[test]
    fn banners_say_demo_stale_or_not_yet_loaded() {
        let now = 1_800_000_000;
        let live = LiveMarket::new(
            Snapshot::empty(SourceKind::CoinGecko),
            SourceKind::CoinGecko,
            Duration::from_secs(600),
        );
        let kinds = |live: &LiveMarket| {
            live.banners_at(now)
                .iter()
                .map(|b| b.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(&live), [BannerKind::Warning]);
        live.publish(snapshot(1, SourceKind::CoinGecko, now - 60));
        assert!(kinds(&live).is_empty());
        live.publish(snapshot(2, SourceKind::CoinGecko, now - 3600));
        assert_eq!(kinds(&live), [BannerKind::Stale]);
        let stale = &live.banners_at(now)[0].message;
        assert!(stale.contains("as of 2027-01-15 07:00 UTC."), "{stale}");
        live.publish(snapshot(3, SourceKind::Demo, now));
        assert_eq!(kinds(&live), [BannerKind::Demo]);
    }
}
