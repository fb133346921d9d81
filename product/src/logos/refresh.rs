//! Keeping the logos current, off the request path: after the refresher publishes a snapshot
//! it hands the coins here, and the coins whose image URL changed, or that have no logo yet,
//! are fetched, a bounded number per cycle and a few at a time. These fetches go to the
//! provider's image host (a CDN), not to its API, so they do not count against the API call
//! budget. Followers load what the leader stored.

use super::{Logo, LogoFetcher, LogoHash, LogoIndex, normalise};
use crate::config::LogoSources;
use crate::market::{CoinId, Snapshot};
use crate::store;
use crate::store::logos::StoredLogo;
use chassis::db::{DbError, DbPool};
use futures_util::StreamExt;
use shared_ui::format::now_unix;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Logos fetched per cycle at most; the rest wait for the next snapshot.
const PER_CYCLE: usize = 25;
/// Logos fetched at once.
const CONCURRENCY: usize = 4;
/// How long a failed URL waits before it is tried again.
const RETRY_FAILED_SECS: i64 = 6 * 3600;

/// `err` and each of its causes, for one log line.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// The logos of one process: the index pages read, and what keeps it current.
pub struct Logos {
    index: Arc<LogoIndex>,
    fetcher: LogoFetcher,
    pool: DbPool,
    /// URLs that failed, by coin, and when: logged once, retried after a while.
    failed: Mutex<HashMap<CoinId, (String, i64)>>,
    /// Held by the cycle in progress, so cycles never overlap.
    cycle: Arc<tokio::sync::Mutex<()>>,
}

impl Logos {
    /// Loads the stored logos.
    pub async fn load(pool: DbPool, sources: &LogoSources) -> Result<Self, String> {
        let fetcher = LogoFetcher::new(sources)?;
        let stored = pool
            .run(store::logos::load_all)
            .await
            .map_err(|e| format!("cannot load the stored coin logos: {e}"))?;
        let index = Arc::new(LogoIndex::default());
        for logo in stored {
            index.insert(logo.coin, logo.source_url, logo.logo);
        }
        Ok(Self {
            index,
            fetcher,
            pool,
            failed: Mutex::default(),
            cycle: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn index(&self) -> &Arc<LogoIndex> {
        &self.index
    }

    /// Installs logos the source drew itself (the demo's), stored like fetched ones. `source`
    /// names the drawing, so one is stored again only when the drawing changes.
    pub async fn install_own(&self, own: Vec<(CoinId, String, Vec<u8>)>) {
        for (coin, source, png) in own {
            if self.index.source_of(&coin).as_deref() == Some(source.as_str()) {
                continue;
            }
            match normalise::normalise(&png) {
                Ok(logo) => self.keep(coin, source, logo).await,
                Err(err) => {
                    log::warn!(coin = coin.as_str(); "a drawn logo did not normalise: {err}")
                }
            }
        }
    }

    /// Fetches, in the background, the logos of `snapshot`'s coins that changed or are missing,
    /// unless a cycle is still running.
    pub fn refresh_in_background(self: &Arc<Self>, snapshot: &Snapshot) {
        let Ok(guard) = Arc::clone(&self.cycle).try_lock_owned() else {
            return;
        };
        let wanted = self.wanted(snapshot, now_unix());
        if wanted.is_empty() {
            return;
        }
        let logos = Arc::clone(self);
        tokio::spawn(async move {
            logos.fetch_all(wanted).await;
            drop(guard);
        });
    }

    /// Coins whose image URL is not the one their logo came from, in the snapshot's order
    /// (ranked first), skipping URLs that failed lately.
    fn wanted(&self, snapshot: &Snapshot, now: i64) -> Vec<(CoinId, String)> {
        let failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        snapshot
            .coins()
            .iter()
            .filter_map(|coin| Some((coin.id.clone(), coin.image.clone()?)))
            .filter(|(id, url)| self.index.source_of(id).as_ref() != Some(url))
            .filter(|(id, url)| {
                !failed
                    .get(id)
                    .is_some_and(|(bad, at)| bad == url && now - at < RETRY_FAILED_SECS)
            })
            .take(PER_CYCLE)
            .collect()
    }

    async fn fetch_all(&self, wanted: Vec<(CoinId, String)>) {
        futures_util::stream::iter(wanted)
            .for_each_concurrent(CONCURRENCY, |(coin, url)| async move {
                match self.fetcher.fetch(&url).await {
                    Ok(logo) => {
                        self.failed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&coin);
                        self.keep(coin, url, logo).await;
                    }
                    Err(err) => {
                        let err = with_causes(&err);
                        let first = self
                            .failed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(coin.clone(), (url.clone(), now_unix()))
                            .is_none_or(|(before, _)| before != url);
                        // Once per coin and URL: a broken image must not flood the log.
                        if first {
                            log::warn!(coin = coin.as_str(), url = url.as_str(); "could not fetch the coin's logo; it keeps its monogram: {err}");
                        } else {
                            log::debug!(coin = coin.as_str(); "the coin's logo failed again: {err}");
                        }
                    }
                }
            })
            .await;
    }

    /// Stores `logo` as `coin`'s and shows it.
    async fn keep(&self, coin: CoinId, source_url: String, logo: Logo) {
        let stored = StoredLogo {
            coin,
            source_url,
            logo,
        };
        let result = self
            .pool
            .run(move |conn| store::logos::put(conn, &stored, now_unix()).map(|()| stored))
            .await;
        match result {
            Ok(stored) => self
                .index
                .insert(stored.coin, stored.source_url, stored.logo),
            Err(err) => log::warn!("could not store a coin logo: {err}"),
        }
    }

    /// Loads the logos another replica stored since this one last looked.
    pub async fn follow(&self) {
        let index = Arc::clone(&self.index);
        let result = self
            .pool
            .run(move |conn| -> Result<Vec<StoredLogo>, DbError> {
                let changed: Vec<String> = store::logos::hashes(conn)?
                    .into_iter()
                    .filter(|(coin, hash)| {
                        let known = CoinId::parse(coin).ok().and_then(|id| index.of(&id));
                        known.as_ref() != LogoHash::parse(hash).as_ref()
                    })
                    .map(|(coin, _)| coin)
                    .collect();
                if changed.is_empty() {
                    return Ok(Vec::new());
                }
                store::logos::load_coins(conn, &changed)
            })
            .await;
        match result {
            Ok(logos) => {
                for logo in logos {
                    self.index.insert(logo.coin, logo.source_url, logo.logo);
                }
            }
            Err(err) => log::warn!("could not check for new coin logos: {err}"),
        }
    }
}
